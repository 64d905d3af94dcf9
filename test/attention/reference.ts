/**
 * A direct, materialized Float64 attention reference for the tests: every score
 * row is built in full from the definitions (no tiles, no online state) and
 * normalized by its closed form. Nothing here calls the code under test.
 */

export interface RefOptions {
  batch: number;
  heads: number;
  kvHeads: number;
  queries: number;
  keys: number;
  dim: number;
  valueDim: number;
  normalizer?: string;
  scale?: number;
  causal?: boolean;
  window?: number;
  keyLengths?: number[];
  boolMask?: Uint8Array;
  addMask?: Float64Array;
  /** [b, h, q, k] sizes of the mask, each 1 or full. */
  maskShape?: number[];
  alibiSlopes?: ArrayLike<number>;
  sinks?: ArrayLike<number>;
  logForget?: ArrayLike<number>;
  queryScale?: ArrayLike<number>;
  gate?: ArrayLike<number>;
  s?: number;
  eps?: number;
  bias?: number;
  lengthScale?: boolean;
  /** softplusNorm: LSSAR's re-weighting power. */
  reweight?: number;
}

const softplus = (x: number) => (x > 30 ? x : Math.log(1 + Math.exp(x)));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Sparsemax of the finite entries (sort-based, Martins & Astudillo 2016). */
function refSparsemax(x: number[]): number[] {
  const z = x.filter((v) => v !== -Infinity).sort((a, b) => b - a);
  if (z.length === 0) return x.map(() => 0);
  let cum = 0;
  let tau = 0;
  for (let k = 0; k < z.length; k++) {
    cum += z[k]!;
    const t = (cum - 1) / (k + 1);
    if (z[k]! > t) tau = t;
  }
  return x.map((v) => Math.max(v - tau, 0));
}

/** 1.5-entmax [x/2 − τ]₊² with Σ = 1, τ by bisection to the last bit (Peters et al. 2019). */
function refEntmax15(x: number[]): number[] {
  const m = Math.max(...x);
  if (m === -Infinity) return x.map(() => 0);
  let lo = m / 2 - 1;
  let hi = m / 2;
  for (let it = 0; it < 200; it++) {
    const tau = (lo + hi) / 2;
    let s = 0;
    for (const v of x) s += Math.max(v / 2 - tau, 0) ** 2;
    if (s >= 1) lo = tau;
    else hi = tau;
  }
  return x.map((v) => Math.max(v / 2 - lo, 0) ** 2);
}

function normalize(o: RefOptions, row: number[], sink: number | null, n: number) {
  const kind = o.normalizer ?? 'softmax';
  const vis = row.map((x) => x !== -Infinity);
  const all = sink === null ? row : [...row, sink];
  const allVis = sink === null ? vis : [...vis, true];
  let w: number[];
  let D = 1;
  if (kind === 'softmax' || kind === 'ssmax') {
    const c = kind === 'ssmax' ? (n > 1 ? (o.s ?? 1) * Math.log(n) : 0) : 1;
    const xs = all.map((x, j) => (allVis[j] ? c * x : -Infinity));
    const m = Math.max(...xs);
    if (m === -Infinity) return { w: row.map(() => 0), lse: -Infinity };
    const e = xs.map((x) => Math.exp(x - m));
    D = e.reduce((a, b) => a + b, 0);
    return { w: e.slice(0, row.length).map((x) => x / D), lse: m + Math.log(D) };
  }
  if (kind === 'softpick') {
    const eps = o.eps ?? 1e-8;
    D = eps;
    for (let j = 0; j < all.length; j++) if (allVis[j]) D += Math.abs(Math.expm1(all[j]!));
    w = row.map((x) => (x > 0 ? Math.expm1(x) / D : 0));
    return { w, lse: Math.log(D) };
  }
  if (kind === 'softplusNorm' || kind === 'reluNorm') {
    const c = kind === 'softplusNorm' && o.lengthScale !== false ? (n > 1 ? Math.log(n) : 0) : 1;
    const f = (x: number) => (kind === 'reluNorm' ? Math.max(0, x) : softplus(c * x));
    const fs = all.map((x, j) => (allVis[j] ? f(x) : 0));
    D = fs.reduce((a, b) => a + b, 0);
    if (D === 0) return { w: row.map(() => 0), lse: -Infinity };
    w = fs.slice(0, row.length).map((x) => x / D);
    if (o.reweight !== undefined) {
      // LSSAR: relu(n·a − o)^p, l1-normalized again; o = 0 for rows of ≤ 3 visible keys
      const r = w.map((a) => Math.max(n * a - (n > 3 ? 1 : 0), 0) ** o.reweight!);
      const W = r.reduce((a, b) => a + b, 0);
      w = r.map((x) => (W > 0 ? x / W : 0));
    }
    return { w, lse: Math.log(D) };
  }
  if (kind === 'sigmoid') {
    const b = o.bias ?? -Math.log(o.keys);
    return { w: row.map((x, j) => (vis[j] ? sigmoid(x + b) : 0)), lse: 0 };
  }
  if (kind === 'relu') return { w: row.map((x, j) => (vis[j] ? Math.max(0, x) : 0)), lse: 0 };
  if (kind === 'sparsemax') return { w: refSparsemax(row), lse: 0 };
  if (kind === 'entmax15') return { w: refEntmax15(row), lse: 0 };
  throw new Error(`no reference for ${kind}`);
}

/** out [b, h, q, dv] and lse [b, h, q] in Float64. */
export function refAttention(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  o: RefOptions,
): { out: Float64Array; lse: Float64Array } {
  const { batch, heads, kvHeads, queries: Q, keys: K, dim, valueDim: dv } = o;
  const group = heads / kvHeads;
  const scale = o.scale ?? 1 / Math.sqrt(dim);
  const out = new Float64Array(batch * heads * Q * dv);
  const lse = new Float64Array(batch * heads * Q);
  const ms = o.maskShape ?? [1, 1, Q, K];
  for (let b = 0; b < batch; b++)
    for (let h = 0; h < heads; h++) {
      const kv = Math.floor(h / group);
      for (let i = 0; i < Q; i++) {
        const pos = i + K - Q;
        const row: number[] = [];
        for (let j = 0; j < K; j++) {
          let ok = j < (o.keyLengths?.[b] ?? K);
          if (o.causal && j > pos) ok = false;
          if (o.window !== undefined && (pos - j >= o.window || (!o.causal && j - pos >= o.window)))
            ok = false;
          const mIdx =
            (((ms[0] === 1 ? 0 : b) * ms[1]! + (ms[1] === 1 ? 0 : h)) * ms[2]! +
              (ms[2] === 1 ? 0 : i)) *
              ms[3]! +
            (ms[3] === 1 ? 0 : j);
          if (o.boolMask && !o.boolMask[mIdx]) ok = false;
          if (!ok) {
            row.push(-Infinity);
            continue;
          }
          let dot = 0;
          for (let d = 0; d < dim; d++)
            dot +=
              q[((b * heads + h) * Q + i) * dim + d]! * k[((b * kvHeads + kv) * K + j) * dim + d]!;
          let x = scale * dot * (o.queryScale ? o.queryScale[(b * heads + h) * Q + i]! : 1);
          if (o.addMask) x += o.addMask[mIdx]!;
          if (o.alibiSlopes) x -= o.alibiSlopes[h]! * Math.abs(pos - j);
          if (o.logForget) {
            let f = 0;
            const [a, z] = j <= pos ? [j + 1, pos] : [pos + 1, j];
            for (let l = Math.max(a, 0); l <= z; l++) f += o.logForget[(b * heads + h) * K + l]!;
            x += f;
          }
          row.push(x);
        }
        const n = row.filter((x) => x !== -Infinity).length;
        const { w, lse: L } = normalize(o, row, o.sinks ? o.sinks[h]! : null, n);
        lse[(b * heads + h) * Q + i] = L;
        for (let c = 0; c < dv; c++) {
          let s = 0;
          for (let j = 0; j < K; j++)
            if (w[j]! !== 0) s += w[j]! * v[((b * kvHeads + kv) * K + j) * dv + c]!;
          const at = ((b * heads + h) * Q + i) * dv + c;
          out[at] = o.gate ? s * sigmoid(o.gate[at]!) : s;
        }
      }
    }
  return { out, lse };
}
