/**
 * Central finite differences for checking vector–Jacobian products in Float64:
 * ⟨dy, f(x + h·e_i) − f(x − h·e_i)⟩ / 2h  ≈  (J_fᵀ dy)_i.
 */
export function fdVjp(
  f: (x: Float64Array) => ArrayLike<number>,
  x: Float64Array,
  dy: ArrayLike<number>,
  h = 1e-6,
): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) continue;
    const xp = Float64Array.from(x);
    const xm = Float64Array.from(x);
    xp[i] = x[i]! + h;
    xm[i] = x[i]! - h;
    const fp = f(xp);
    const fm = f(xm);
    let s = 0;
    for (let j = 0; j < fp.length; j++) s += dy[j]! * (fp[j]! - fm[j]!);
    g[i] = s / (2 * h);
  }
  return g;
}

/** max_i |a_i − b_i| / max(1, max|b|): the relative error of a gradient vector. */
export function gradError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst / scale;
}

/** A deterministic pseudo-random Float64Array in [lo, hi) (test data only). */
export function randomArray(n: number, seed: number, lo = -3, hi = 3): Float64Array {
  let s = seed >>> 0 || 1;
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    a[i] = lo + (hi - lo) * (s / 2 ** 32);
  }
  return a;
}
