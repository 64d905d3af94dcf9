/**
 * routerZLoss(logits, { shape }) — the router z-loss of ST-MoE (Zoph et al.
 * 2022, eq. 5; HF's Switch `router_z_loss_func`):
 *   L = (1/T) Σ_t (log Σ_e e^{x_te})²,     ∂L/∂x_t = (2/T)·lse_t·softmax(x_t)
 * It keeps router logits small, so the softmax stays in the range where float
 * rounding does not move the routing.
 *
 * Stability: lse by the exact three-pass kernel (shift by the max, compensated
 * sum, log1p near 1), each ≤ ~2 ulp; Float64 loss ≤ 1e-14 relative
 * (test/gating/router-z-loss.test.ts). A fully masked token (all −∞) adds 0 and
 * gets gradient 0; a token holding +∞ gives +∞; NaN gives NaN.
 *
 * @example
 * routerZLoss([0, 0], { shape: [1, 2] }).loss; // (ln 2)² = 0.4804…
 */
import { logSumExpRows } from '../kernels/js/softmax-rows.js';
import { softmax } from '../normalizers/softmax.js';
import { allocLike } from '../tensor/arrays.js';
import { resolveOptions, shapeRule } from '../tensor/options.js';
import type { ArrayInput } from '../tensor/types.js';
import type { RouterLossResult } from './load-balancing-loss.js';
import { type RouterOptions, routerLogits } from './router.js';

/** Options of {@link routerZLoss}. */
export type RouterZLossOptions = RouterOptions;

const RULES = { shape: shapeRule } as const;

/** The router z-loss and its gradient. See the module doc. */
export function routerZLoss(logits: ArrayInput, options?: RouterZLossOptions): RouterLossResult {
  const fn = 'routerZLoss';
  const o = resolveOptions(fn, options, RULES);
  const { x, tokens, experts: E } = routerLogits(fn, logits, o.shape);
  const lse = new Float64Array(tokens);
  logSumExpRows({ x, out: lse, rows: tokens, n: E, algorithm: 'three-pass', s: 1 });
  const grad = allocLike(x, x.length);
  if (tokens === 0) return { loss: 0, grad };
  const p = softmax(x, { shape: [tokens, E] });
  let loss = 0;
  for (let t = 0; t < tokens; t++) {
    const l = lse[t] === -Infinity ? 0 : lse[t]!;
    loss += l * l;
    for (let e = t * E; e < (t + 1) * E; e++) grad[e] = ((2 * l) / tokens) * p[e]!;
  }
  return { loss: loss / tokens, grad };
}
