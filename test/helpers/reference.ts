/**
 * Independent high-precision references (decimal.js, 60 digits) for the tests.
 * Nothing here calls the code under test.
 */
import { Decimal } from 'decimal.js';

export const D = Decimal.clone({
  precision: 60,
  toExpNeg: -9e15,
  toExpPos: 9e15,
  minE: -9e15,
  maxE: 9e15,
});
export type Dec = InstanceType<typeof D>;

const view = new DataView(new ArrayBuffer(8));

/**
 * The exact value of a double as a Decimal (rounded to 60 digits).
 * `new D(x)` would read x's shortest decimal string, which differs from the
 * binary value by up to half an ulp — enough to fake a 16-ulp error in e^x.
 */
export function dec(x: number): Dec {
  if (!Number.isFinite(x) || x === 0) return new D(x);
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  const mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  const m = biased === 0 ? mant : mant | (1n << 52n);
  const e = (biased === 0 ? 1 : biased) - 1075;
  const v = new D(m.toString()).times(new D(2).pow(e));
  return x < 0 ? v.neg() : v;
}

/** e^x, flushing exponents below −10^5 to 0 (decimal.js gives NaN far past its range). */
function dexp(x: Dec): Dec {
  return x.lt(-1e5) ? new D(0) : D.exp(x);
}

/** Softmax of a row given as distinct values with multiplicities (a long row cheaply). */
export function refSoftmaxGrouped(
  values: readonly number[],
  counts: readonly number[],
  T = 1,
): Dec[] {
  const finite = values.filter((v) => v !== -Infinity);
  const top = finite.reduce((a, b) => Math.max(b, a), -Infinity);
  const m = finite.length ? dec(top) : new D(0);
  const t = dec(T);
  const e = values.map((v) => (v === -Infinity ? new D(0) : dexp(dec(v).minus(m).div(t))));
  let sum = new D(0);
  for (let i = 0; i < values.length; i++) sum = sum.plus(e[i]!.times(counts[i]!));
  return e.map((ei) => ei.div(sum));
}

/** Softmax of a finite-or-−∞ row, in 60-digit arithmetic. */
export function refSoftmax(x: ArrayLike<number>, T = 1): Dec[] {
  const v = Array.from(x);
  return refSoftmaxGrouped(
    v,
    v.map(() => 1),
    T,
  );
}

/** log Σ e^(x/T) of a row given as distinct values with multiplicities. */
export function refLogSumExpGrouped(
  values: readonly number[],
  counts: readonly number[],
  T = 1,
): Dec {
  const finite = values.filter((v) => v !== -Infinity);
  const top = finite.reduce((a, b) => Math.max(b, a), -Infinity);
  if (!finite.length) return new D(-Infinity);
  const t = dec(T);
  const m = dec(top).div(t);
  let sum = new D(0);
  for (let i = 0; i < values.length; i++) {
    if (values[i] === -Infinity) continue;
    sum = sum.plus(dexp(dec(values[i]!).div(t).minus(m)).times(counts[i]!));
  }
  return m.plus(D.ln(sum));
}

export function refLogSumExp(x: ArrayLike<number>, T = 1): Dec {
  const v = Array.from(x);
  return refLogSumExpGrouped(
    v,
    v.map(() => 1),
    T,
  );
}

/**
 * Log-softmax of a row: (x − m)/T − log Σ e^((x − m)/T), m the max. Shifted
 * first: x/T − lse(x/T) would lose the log Σ term to 60-digit rounding when |x|
 * is near 1e308 (x/T and lse then agree to 300 digits).
 */
export function refLogSoftmax(x: ArrayLike<number>, T = 1): Dec[] {
  const v = Array.from(x);
  const top = v.reduce((a, b) => (b === -Infinity ? a : Math.max(a, b)), -Infinity);
  if (top === -Infinity) return v.map(() => new D(-Infinity));
  const m = dec(top);
  const t = dec(T);
  const shifted = v.map((u) => (u === -Infinity ? undefined : dec(u).minus(m).div(t)));
  let sum = new D(0);
  for (const u of shifted) if (u !== undefined) sum = sum.plus(dexp(u));
  const log = D.ln(sum);
  return shifted.map((u) => (u === undefined ? new D(-Infinity) : u.minus(log)));
}

/** The unit in the last place of the format at the (rounded) value v. */
function ulpOf(v: number, float32: boolean): number {
  const a = Math.abs(v);
  const minExp = float32 ? -126 : -1022;
  const mant = float32 ? 23 : 52;
  const e = a === 0 ? minExp : Math.max(minExp, Math.floor(Math.log2(a)));
  // guard against log2 rounding at powers of two
  const ee = 2 ** e > a ? e - 1 : e;
  return 2 ** (Math.max(ee, minExp) - mant);
}

/** |computed − exact| in ulps of the exact value's format. ∞/−∞ must match exactly. */
export function ulpError(computed: number, exact: Dec, float32: boolean): number {
  if (!exact.isFinite()) return computed === exact.toNumber() ? 0 : Infinity;
  const e = exact.toNumber();
  const ref = float32 ? Math.fround(e) : e;
  return dec(computed).minus(exact).abs().div(ulpOf(ref, float32)).toNumber();
}

/** max ulp error over a row (skipping nothing). */
export function maxUlpError(
  computed: ArrayLike<number>,
  exact: readonly Dec[],
  float32: boolean,
): number {
  let worst = 0;
  for (let i = 0; i < exact.length; i++)
    worst = Math.max(worst, ulpError(computed[i]!, exact[i]!, float32));
  return worst;
}

/** |computed − exact| / |exact| (0 when both 0). */
export function relError(computed: number, exact: Dec): number {
  if (exact.isZero()) return computed === 0 ? 0 : Infinity;
  if (!exact.isFinite()) return computed === exact.toNumber() ? 0 : Infinity;
  return dec(computed).minus(exact).abs().div(exact.abs()).toNumber();
}

/** Decimal at 700 digits: x ± h stays exact for |x| up to 1e308 and h down to 1e−300. */
export const DW = Decimal.clone({
  precision: 700,
  toExpNeg: -9e15,
  toExpPos: 9e15,
  minE: -9e15,
  maxE: 9e15,
});
export type DecW = InstanceType<typeof DW>;

/**
 * J_f(x)ᵀ·dy by central differences in 700-digit arithmetic (a method independent
 * of any closed form): dx_k = Σ_i dy_i·(f(x + h·e_k)_i − f(x − h·e_k)_i)/(2h), with
 * h = `h` (absolute; a string for steps below the double range). f maps a row of 700-digit decimals to a row.
 */
export function refVjpByDifferences(
  f: (x: DecW[]) => DecW[],
  x: readonly number[],
  dy: readonly number[],
  h: number | string,
): DecW[] {
  const exact = (v: number) => new DW(dec(v).toString());
  const xs = x.map(exact);
  const hh = new DW(h);
  return xs.map((_, k) => {
    const plus = f(xs.map((v, i) => (i === k ? v.plus(hh) : v)));
    const minus = f(xs.map((v, i) => (i === k ? v.minus(hh) : v)));
    let s = new DW(0);
    for (let i = 0; i < x.length; i++) s = s.plus(plus[i]!.minus(minus[i]!).times(dy[i]!));
    return s.div(hh.times(2));
  });
}

/** softmax of a 700-digit row (shift by the max). */
export function refSoftmaxWide(x: DecW[]): DecW[] {
  const m = DW.max(...x);
  const e = x.map((v) => DW.exp(v.minus(m)));
  const s = e.reduce((a, b) => a.plus(b), new DW(0));
  return e.map((v) => v.div(s));
}
