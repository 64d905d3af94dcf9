/** 60-digit softmax pieces of one finite row, for the loss references (independent of src/). */
import { D, type Dec } from '../helpers/reference.js';

/** A row entry: a double, or an exact Decimal (the confident-row checks perturb entries by 1e-24). */
export type RefValue = number | Dec;

export function refLogSoftmaxRow(row: readonly RefValue[]): Dec[] {
  const v = row.map((a) => new D(a));
  const m = D.max(...v);
  let s = new D(0);
  for (const a of v) s = s.plus(D.exp(a.minus(m)));
  const lse = m.plus(D.ln(s));
  return v.map((a) => a.minus(lse));
}
