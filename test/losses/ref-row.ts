/** 60-digit softmax pieces of one finite row, for the loss references (independent of src/). */
import { D, type Dec } from '../helpers/reference.js';

export function refLogSoftmaxRow(row: number[]): Dec[] {
  const v = row.map((a) => new D(a));
  const m = D.max(...v);
  let s = new D(0);
  for (const a of v) s = s.plus(D.exp(a.minus(m)));
  const lse = m.plus(D.ln(s));
  return v.map((a) => a.minus(lse));
}

export function refSoftmaxRow(row: number[], T = 1): Dec[] {
  return refLogSoftmaxRow(row.map((v) => v / T)).map((l) => D.exp(l));
}
