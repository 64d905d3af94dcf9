/**
 * Linear attention (Katharopoulos et al. 2020, "Transformers are RNNs",
 * arXiv:2006.16236): the softmax kernel replaced by a feature map φ, so
 *
 *   out_i = φ(q_i)ᵀ·S_i / (φ(q_i)·z_i + eps),  S_i = Σ_{j ∈ V(i)} φ(k_j)·v_jᵀ,  z_i = Σ_{j ∈ V(i)} φ(k_j),
 *
 * with V(i) every key, or (causal) the keys j ≤ p_i = i + keys − queries, computed
 * with running sums (the RNN form). Time O((queries + keys)·F·valueDim), memory
 * O(F·valueDim) per head besides the outputs; no score is ever formed.
 *
 * Feature maps (F = dim, or 2·dim for cosFormer):
 * - 'elu+1': φ(x) = elu(x) + 1 (Katharopoulos et al.);
 * - 'relu':  φ(x) = relu(x);
 * - 'cosformer' (Qin et al. 2022, arXiv:2202.08791): φ(x)_t = [relu(x)·cos θ_t, relu(x)·sin θ_t],
 *   θ_t = π·t / (2·keys) with t the aligned position (p_i for queries, j for keys),
 *   so φ(q_i)·φ(k_j) = relu(q_i)·relu(k_j)·cos(π(p_i − j)/(2·keys)).
 *
 * VJP: with g_i = dOut_i, D_i = φ(q_i)·z_i + eps, dn_i = g_i/D_i, dD_i = −⟨g_i, out_i⟩/D_i:
 *   dφ(q_i) = S_i·dn_i + dD_i·z_i,  dφ(k_j) = U_j·v_j + w_j,  dv_j = U_jᵀ·φ(k_j),
 *   U_j = Σ_{i: j ∈ V(i)} φ(q_i)·dn_iᵀ,  w_j = Σ_{i: j ∈ V(i)} dD_i·φ(q_i)
 * (U, w as running sums over the queries in reverse for the causal form), then
 * through φ′. Float64 accumulators, results rounded once to the input type.
 *
 * Non-finite policy: a row with D = 0 (eps = 0 and nothing visible, or all
 * features 0) gives zeros and gradient 0; NaN spreads to the rows whose sums it
 * enters (in the causal form, the later rows).
 *
 * @example
 * const { out } = linearAttention(q, k, v, { dim: 4, featureMap: 'elu+1', causal: true });
 */
import { allocLike, toFloatArrayOfLength } from '../tensor/arrays.js';
import { booleanRule, numberRule, oneOfRule, resolveOptions } from '../tensor/options.js';
import type { ArrayInput, FloatArray } from '../tensor/types.js';
import { ATTENTION_SIZE_RULES, type AttentionSizeOptions } from './options.js';
import { type AttentionShapes, inTypeOf, resolveShapes } from './problem.js';

/** The feature map φ of linear attention: 'elu+1', 'relu' or 'cosformer' (see the module doc). */
export type FeatureMap = 'elu+1' | 'relu' | 'cosformer';

export interface LinearAttentionOptions extends AttentionSizeOptions {
  /** Default 'elu+1'. */
  featureMap?: FeatureMap;
  /** Running sums over j ≤ i + keys − queries. Default false. */
  causal?: boolean;
  /** Added to the denominator φ(q)·z; finite, ≥ 0. Default 1e-6. */
  eps?: number;
}

interface Linear extends AttentionShapes {
  readonly map: FeatureMap;
  readonly causal: boolean;
  readonly eps: number;
  /** Features per row. */
  readonly F: number;
}

/** The option rules of linearAttention and its vjp. */
const LINEAR_ATTENTION_RULES = {
  ...ATTENTION_SIZE_RULES,
  featureMap: oneOfRule<FeatureMap>(['elu+1', 'relu', 'cosformer'], 'elu+1'),
  causal: booleanRule(false),
  eps: numberRule({ atLeast: 0, default: 1e-6 }),
} as const;

function resolve(
  fn: string,
  q: ArrayInput,
  k: ArrayInput,
  v: ArrayInput,
  options: LinearAttentionOptions,
) {
  const o = resolveOptions(fn, options, LINEAR_ATTENTION_RULES);
  const s = resolveShapes(fn, q, k, v, o);
  return {
    ...s,
    map: o.featureMap,
    causal: o.causal,
    eps: o.eps,
    F: o.featureMap === 'cosformer' ? 2 * s.dim : s.dim,
  } satisfies Linear;
}

/** φ(x[off, off + dim)) at position t into f (length F). */
function features(L: Linear, x: FloatArray, off: number, t: number, f: Float64Array): void {
  const { dim } = L;
  if (L.map === 'elu+1')
    for (let d = 0; d < dim; d++) {
      const a = x[off + d]!;
      f[d] = a > 0 ? a + 1 : Math.exp(a);
    }
  else {
    const th = (Math.PI * t) / (2 * L.keys);
    const [c, s] = [Math.cos(th), Math.sin(th)];
    for (let d = 0; d < dim; d++) {
      const a = x[off + d]!;
      const r = a > 0 ? a : Number.isNaN(a) ? a : 0;
      if (L.map === 'relu') f[d] = r;
      else {
        f[d] = r * c;
        f[dim + d] = r * s;
      }
    }
  }
}

/** dx[off..] += J_φᵀ·df at position t. */
function featuresVjp(
  L: Linear,
  x: FloatArray,
  off: number,
  t: number,
  df: Float64Array,
  dx: Float64Array,
  dOff: number,
) {
  const { dim } = L;
  const th = (Math.PI * t) / (2 * L.keys);
  for (let d = 0; d < dim; d++) {
    const a = x[off + d]!;
    let g: number;
    if (L.map === 'elu+1') g = a > 0 ? df[d]! : Math.exp(a) * df[d]!;
    else if (L.map === 'relu') g = a > 0 ? df[d]! : 0;
    else g = a > 0 ? df[d]! * Math.cos(th) + df[dim + d]! * Math.sin(th) : 0;
    dx[dOff + d] = dx[dOff + d]! + g;
  }
}

/** S += f·vᵀ, z += f. */
function addOuter(
  S: Float64Array,
  z: Float64Array,
  f: Float64Array,
  v: ArrayLike<number>,
  vOff: number,
  dv: number,
) {
  for (let a = 0; a < f.length; a++) {
    const fa = f[a]!;
    z[a] = z[a]! + fa;
    if (fa === 0) continue;
    for (let c = 0; c < dv; c++) S[a * dv + c] = S[a * dv + c]! + fa * v[vOff + c]!;
  }
}

/** Keys visible to query i: [0, end(i)). */
function keyEnd(L: Linear, i: number): number {
  return L.causal ? Math.max(0, Math.min(L.keys, i + L.keys - L.queries + 1)) : L.keys;
}

/** out_i (Float64) and D_i for one (b, h), given φ(q_i) and the sums (S, z) of its keys. */
function readRow(
  L: Linear,
  fq: Float64Array,
  S: Float64Array,
  z: Float64Array,
  y: Float64Array,
): number {
  const dv = L.valueDim;
  let den = L.eps;
  for (let a = 0; a < L.F; a++) den += fq[a]! * z[a]!;
  y.fill(0);
  if (den === 0) return 0;
  for (let a = 0; a < L.F; a++) {
    const fa = fq[a]!;
    if (fa !== 0) for (let c = 0; c < dv; c++) y[c] = y[c]! + fa * S[a * dv + c]!;
  }
  for (let c = 0; c < dv; c++) y[c] = y[c]! / den;
  return den;
}

/** Linear attention forward: out [batch, heads, queries, valueDim] in q's element type. */
export function linearAttention(
  q: ArrayInput,
  k: ArrayInput,
  v: ArrayInput,
  options: LinearAttentionOptions,
): { out: FloatArray } {
  const L = resolve('linearAttention', q, k, v, options);
  const out = allocLike(L.q, L.batch * L.heads * L.queries * L.valueDim);
  const { dim, valueDim: dv, F } = L;
  const S = new Float64Array(F * dv);
  const z = new Float64Array(F);
  const f = new Float64Array(F);
  const y = new Float64Array(dv);
  for (let b = 0; b < L.batch; b++)
    for (let h = 0; h < L.heads; h++) {
      const kv = (b * L.kvHeads + Math.floor(h / L.group)) * L.keys;
      S.fill(0);
      z.fill(0);
      let next = 0;
      for (let i = 0; i < L.queries; i++) {
        for (const end = keyEnd(L, i); next < end; next++) {
          features(L, L.k, (kv + next) * dim, next, f);
          addOuter(S, z, f, L.v, (kv + next) * dv, dv);
        }
        const row = (b * L.heads + h) * L.queries + i;
        features(L, L.q, row * dim, i + L.keys - L.queries, f);
        readRow(L, f, S, z, y);
        for (let c = 0; c < dv; c++) out[row * dv + c] = y[c]!;
      }
    }
  return { out };
}

/** dq, dk, dv = J_linearAttentionᵀ·dOut. */
export function linearAttentionVjp(
  q: ArrayInput,
  k: ArrayInput,
  v: ArrayInput,
  dOut: ArrayInput,
  options: LinearAttentionOptions,
): { dq: FloatArray; dk: FloatArray; dv: FloatArray } {
  const fn = 'linearAttentionVjp';
  const L = resolve(fn, q, k, v, options);
  const { dim, valueDim: dv, F, queries: nq } = L;
  const g = toFloatArrayOfLength(fn, 'dOut', dOut, L.batch * L.heads * nq * dv);
  const dq = new Float64Array(L.q.length);
  const dk = new Float64Array(L.k.length);
  const dvv = new Float64Array(L.v.length);
  const S = new Float64Array(F * dv);
  const z = new Float64Array(F);
  const f = new Float64Array(F);
  const df = new Float64Array(F);
  const y = new Float64Array(dv);
  const dn = new Float64Array(nq * dv); // g_i / D_i
  const dD = new Float64Array(nq); // −⟨g_i, out_i⟩ / D_i
  for (let b = 0; b < L.batch; b++)
    for (let h = 0; h < L.heads; h++) {
      const kv = (b * L.kvHeads + Math.floor(h / L.group)) * L.keys;
      const row0 = (b * L.heads + h) * nq;
      // forward sweep: out_i, dn_i, dD_i and dφ(q_i) = S_i·dn_i + dD_i·z_i
      S.fill(0);
      z.fill(0);
      let next = 0;
      for (let i = 0; i < nq; i++) {
        for (const end = keyEnd(L, i); next < end; next++) {
          features(L, L.k, (kv + next) * dim, next, f);
          addOuter(S, z, f, L.v, (kv + next) * dv, dv);
        }
        const t = i + L.keys - nq;
        features(L, L.q, (row0 + i) * dim, t, f);
        const den = readRow(L, f, S, z, y);
        let go = 0;
        for (let c = 0; c < dv; c++) {
          const gi = den === 0 ? 0 : g[(row0 + i) * dv + c]! / den;
          dn[i * dv + c] = gi;
          go += gi * y[c]!;
        }
        dD[i] = -go;
        for (let a = 0; a < F; a++) {
          let s = dD[i]! * z[a]!;
          for (let c = 0; c < dv; c++) s += S[a * dv + c]! * dn[i * dv + c]!;
          df[a] = s;
        }
        featuresVjp(L, L.q, (row0 + i) * dim, t, df, dq, (row0 + i) * dim);
      }
      // reverse sweep over keys: U_j = Σ φ(q_i)·dn_iᵀ and w_j = Σ dD_i·φ(q_i) over the queries seeing j
      S.fill(0); // U
      z.fill(0); // w
      let iNext = nq - 1;
      for (let j = L.keys - 1; j >= 0; j--) {
        for (; iNext >= 0 && keyEnd(L, iNext) > j; iNext--) {
          features(L, L.q, (row0 + iNext) * dim, iNext + L.keys - nq, f);
          for (let a = 0; a < F; a++) {
            const fa = f[a]!;
            z[a] = z[a]! + dD[iNext]! * fa;
            if (fa !== 0)
              for (let c = 0; c < dv; c++)
                S[a * dv + c] = S[a * dv + c]! + fa * dn[iNext * dv + c]!;
          }
        }
        features(L, L.k, (kv + j) * dim, j, f);
        for (let a = 0; a < F; a++) {
          let s = z[a]!;
          for (let c = 0; c < dv; c++) {
            s += S[a * dv + c]! * L.v[(kv + j) * dv + c]!;
            dvv[(kv + j) * dv + c] = dvv[(kv + j) * dv + c]! + S[a * dv + c]! * f[a]!;
          }
          df[a] = s;
        }
        featuresVjp(L, L.k, (kv + j) * dim, j, df, dk, (kv + j) * dim);
      }
    }
  return { dq: inTypeOf(L.q, dq), dk: inTypeOf(L.k, dk), dv: inTypeOf(L.v, dvv) };
}
