/**
 * A tiny mixture of experts trained by plain gradient descent: 4 linear experts,
 * a linear router with top-2 gating, the task a different linear map in each of
 * four regions of the input. The router starts badly skewed (almost every token
 * to expert 0); the load-balancing loss (HF Mixtral) and the router z-loss (ST-MoE)
 * even the load out while the task loss falls. Run by test/examples.test.ts.
 */
import {
  loadBalancingLoss,
  routerStats,
  routerZLoss,
  topKGating,
  topKGatingVjp,
  uniform,
} from '../src/index.js';

const TOKENS = 256;
const D = 3; // input features: (x₀, x₁, 1)
const E = 4;
const K = 2;

/** The task: y = a_r·x₀ + b_r·x₁ in quadrant r of (x₀, x₁) ∈ (−1, 1)². */
function makeData() {
  const u = uniform(7, 0, new Float64Array(2 * TOKENS));
  const x = new Float64Array(TOKENS * D);
  const y = new Float64Array(TOKENS);
  const maps = [
    [1, 2],
    [-2, 1],
    [0.5, -1],
    [-1, -0.5],
  ];
  for (let t = 0; t < TOKENS; t++) {
    const x0 = 2 * u[2 * t]! - 1;
    const x1 = 2 * u[2 * t + 1]! - 1;
    x.set([x0, x1, 1], t * D);
    const [a, b] = maps[(x0 < 0 ? 1 : 0) + (x1 < 0 ? 2 : 0)]!;
    y[t] = a! * x0 + b! * x1;
  }
  return { x, y };
}

export function moeRouter(steps = 300, lr = 0.5, balance = 0.1, zLoss = 0.001) {
  const { x, y } = makeData();
  const router = new Float64Array(E * D); // logits_t = router · x_t
  router[0 * D + 2] = 4; // a skewed start: a large bias towards expert 0
  const experts = new Float64Array(E * D);
  const init = uniform(8, 0, new Float64Array(E * D));
  for (let i = 0; i < E * D; i++) experts[i] = 0.2 * (init[i]! - 0.5);
  const gating = { shape: [TOKENS, E], k: K };
  const history: { step: number; mse: number; cv: number; load: number[] }[] = [];
  for (let step = 0; step <= steps; step++) {
    const logits = new Float64Array(TOKENS * E);
    for (let t = 0; t < TOKENS; t++)
      for (let e = 0; e < E; e++)
        for (let d = 0; d < D; d++) logits[t * E + e]! += router[e * D + d]! * x[t * D + d]!;
    const g = topKGating(logits, gating);
    // forward: ŷ_t = Σ_j w_tj · (expert_{i_tj} · x_t)
    const out = new Float64Array(TOKENS * K);
    let mse = 0;
    const dy = new Float64Array(TOKENS);
    for (let t = 0; t < TOKENS; t++) {
      let yh = 0;
      for (let j = 0; j < K; j++) {
        const e = g.indices[t * K + j]!;
        let o = 0;
        for (let d = 0; d < D; d++) o += experts[e * D + d]! * x[t * D + d]!;
        out[t * K + j] = o;
        yh += g.weights[t * K + j]! * o;
      }
      mse += (yh - y[t]!) ** 2 / TOKENS;
      dy[t] = (2 * (yh - y[t]!)) / TOKENS;
    }
    if (step % (steps / 4) === 0) {
      const s = routerStats(g, { shape: [TOKENS, E] });
      history.push({ step, mse, cv: s.cv, load: Array.from(s.load) });
    }
    if (step === steps) break;
    // backward: experts, gate weights → logits (+ the two auxiliary losses) → router
    const dExperts = new Float64Array(E * D);
    const dWeights = new Float64Array(TOKENS * K);
    for (let t = 0; t < TOKENS; t++)
      for (let j = 0; j < K; j++) {
        const e = g.indices[t * K + j]!;
        dWeights[t * K + j] = dy[t]! * out[t * K + j]!;
        for (let d = 0; d < D; d++)
          dExperts[e * D + d]! += dy[t]! * g.weights[t * K + j]! * x[t * D + d]!;
      }
    const dLogits = topKGatingVjp(logits, dWeights, gating);
    const lb = loadBalancingLoss(logits, gating);
    const z = routerZLoss(logits, { shape: [TOKENS, E] });
    const dRouter = new Float64Array(E * D);
    for (let t = 0; t < TOKENS; t++)
      for (let e = 0; e < E; e++) {
        const dl = dLogits[t * E + e]! + balance * lb.grad[t * E + e]! + zLoss * z.grad[t * E + e]!;
        for (let d = 0; d < D; d++) dRouter[e * D + d]! += dl * x[t * D + d]!;
      }
    for (let i = 0; i < E * D; i++) {
      experts[i]! -= lr * dExperts[i]!;
      router[i]! -= lr * dRouter[i]!;
    }
  }
  return history;
}
