/**
 * loadBalancingLoss(logits, { shape, k, mask }) — the auxiliary load-balancing
 * loss of Switch Transformer (Fedus et al. 2021, eq. 4) as HF transformers'
 * Mixtral `load_balancing_loss_func` computes it for top-k routing:
 *   s_t = softmax(x_t),  f_e = (1/N) Σ_t m_t·[e ∈ topk(s_t)],  P_e = (1/N) Σ_t m_t·s_te
 *   L = E · Σ_e f_e · P_e          (N = Σ_t m_t; uniform routing gives L = k)
 * `mask` (1 = real token; HF's attention mask) makes both means masked; a fully
 * masked token (all −∞ logits) counts as masked too. The top-k is a selection
 * (ties by lower index), so the gradient flows through P only, as in autograd:
 *   ∂L/∂x_t = (E/N)·m_t · s_t ⊙ (f − ⟨s_t, f⟩).
 * For several layers pass their logits stacked as [layers·tokens, experts] (HF
 * concatenates them the same way). No token at all (N = 0) gives 0.
 *
 * Stability: the scores come from the fused routing pass (each ≤ ~4 ulp), the
 * means are sums of non-negative terms; Float64 loss ≤ 1e-13 relative
 * (test/gating/load-balancing-loss.test.ts).
 *
 * @example
 * loadBalancingLoss([0, 0, 0, 0], { shape: [2, 2], k: 1 }).loss; // 1 (f = [1, 0], P = [½, ½], E = 2)
 */
import { type RouteConfig, routeRows } from '../kernels/routing-rows.js';
import { softmaxVjp } from '../normalizers/softmax.js';
import { allocLike } from '../tensor/arrays.js';
import { integerRule, rule } from '../tensor/options.js';
import type { ArrayInput, FloatArray } from '../tensor/types.js';
import { type RouterOptions, requireK, routerInput, tokenMask } from './router.js';

/** Options of {@link loadBalancingLoss}. */
export interface LoadBalancingLossOptions extends RouterOptions {
  /** Experts per token in the routing, 1 ≤ k ≤ experts. Default 2. */
  k?: number;
  /** [tokens] 1 = real token, 0 = padding (Uint8Array, boolean[] or 0/1 number[]). */
  mask?: Uint8Array | readonly (number | boolean)[];
}

/** `{ loss, grad }` of an auxiliary router loss; grad = d loss / d logits. */
export interface RouterLossResult<T extends FloatArray = FloatArray> {
  loss: number;
  grad: T;
}

const RULES = {
  k: integerRule({ default: 2 }),
  mask: rule((_fn, _name, v) => v),
} as const;

/** HF Mixtral's load-balancing loss and its gradient. See the module doc. */
export function loadBalancingLoss(
  logits: ArrayInput,
  options?: LoadBalancingLossOptions,
): RouterLossResult {
  const fn = 'loadBalancingLoss';
  const { o, r } = routerInput(fn, logits, options, RULES);
  const { tokens, experts: E } = r;
  requireK(fn, 'k', o.k, E, 'the experts');
  const m = tokenMask(fn, o.mask, tokens) ?? new Uint8Array(tokens).fill(1);
  const cfg: RouteConfig = {
    experts: E,
    k: o.k,
    sigmoid: false,
    bias: undefined,
    groups: 1,
    groupTop: 1,
  };
  const scores = new Float64Array(r.x.length);
  const indices = new Int32Array(tokens * o.k);
  routeRows(r.x, tokens, cfg, scores, indices, new Float64Array(tokens * o.k));
  const f = new Float64Array(E);
  const P = new Float64Array(E);
  let N = 0;
  for (let t = 0; t < tokens; t++) {
    if (m[t] && !allMasked(r.x, t * E, E)) N++;
    else m[t] = 0;
  }
  const grad = allocLike(r.x, r.x.length);
  if (N === 0) return { loss: 0, grad };
  for (let t = 0; t < tokens; t++) {
    if (!m[t]) continue;
    for (let j = t * o.k; j < (t + 1) * o.k; j++) f[indices[j]!]! += 1 / N;
    for (let e = 0; e < E; e++) P[e]! += scores[t * E + e]! / N;
  }
  let loss = 0;
  for (let e = 0; e < E; e++) loss += f[e]! * P[e]!;
  // ∂L/∂s_te = (E/N)·m_t·f_e, then back through each token's softmax
  const ds = new Float64Array(r.x.length);
  for (let t = 0; t < tokens; t++)
    if (m[t]) for (let e = 0; e < E; e++) ds[t * E + e] = (E / N) * f[e]!;
  grad.set(softmaxVjp(r.x, ds, { shape: [tokens, E] }));
  return { loss: E * loss, grad };
}

function allMasked(x: ArrayLike<number>, o: number, n: number): boolean {
  for (let i = o; i < o + n; i++) if (x[i] !== -Infinity) return false;
  return true;
}
