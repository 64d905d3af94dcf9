/**
 * Deterministic inputs and the float64 reference used to score every candidate.
 *
 * Reference: a straightforward double-precision softmax / log-softmax per row —
 * shift by the row max, Neumaier-compensated sum of e^(x − max) — computed from the
 * very input the candidates see (Float32 inputs widened exactly). At these row
 * lengths (≤ 10⁶) its own error is a few ulp of float64, far below what is scored.
 */

/** mulberry32: a small seeded generator of uniforms in [0, 1). */
export function uniforms(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `length` normal draws N(mean, sd²) (Box–Muller) in the given array type. */
export function normalArray(Type, length, seed, sd = 1, mean = 0) {
  const u = uniforms(seed);
  const out = new Type(length);
  for (let k = 0; k < length; k += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const th = 2 * Math.PI * u();
    out[k] = mean + sd * r * Math.cos(th);
    if (k + 1 < length) out[k + 1] = mean + sd * r * Math.sin(th);
  }
  return out;
}

/** Integer class targets in [0, classes). */
export function targetArray(length, classes, seed) {
  const u = uniforms(seed);
  const out = new Int32Array(length);
  for (let k = 0; k < length; k++) out[k] = Math.floor(u() * classes);
  return out;
}

/** Float64 softmax (or log-softmax) of `rows` rows of length n. */
export function referenceSoftmax(x, rows, n, log) {
  const y = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let m = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < n; j++) m = Math.max(m, x[o + j]);
    let s = 0;
    let c = 0;
    for (let j = 0; j < n; j++) {
      const e = Math.exp(x[o + j] - m);
      const t = s + e;
      c += Math.abs(s) >= Math.abs(e) ? s - t + e : e - t + s;
      s = t;
    }
    s += c;
    const ls = Math.log(s);
    for (let j = 0; j < n; j++) y[o + j] = log ? x[o + j] - m - ls : Math.exp(x[o + j] - m) / s;
  }
  return y;
}

/**
 * Max error of `y` against the float64 reference: relative |y − ref| / |ref| for
 * probabilities (reference zeros skipped), and |y − ref| / max(|ref|, 1) for
 * log-probabilities (an absolute error in log space is a relative error of the
 * probability).
 */
export function maxError(y, ref, log) {
  let worst = 0;
  for (let k = 0; k < ref.length; k++) {
    const r = ref[k];
    const d = Math.abs(y[k] - r);
    const e = log ? d / Math.max(Math.abs(r), 1) : r === 0 ? 0 : d / Math.abs(r);
    if (!(e <= worst)) worst = e; // NaN sticks
  }
  return worst;
}
