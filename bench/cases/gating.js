/**
 * topKGating, Float32, one routing shape per process.
 * - 4,096 tokens × 64 experts, k = 2, softmax (Mixtral's router);
 * - 4,096 tokens × 256 experts, k = 8, sigmoid with a selection bias and groups
 *   8 / top 4, weights renormalized and scaled by 2.5 (DeepSeek-V3's router).
 * Candidates: softmax-kit's topKGating, by default (every output, the [tokens, experts]
 * scores included: a fresh 1 MiB array a call) and with `scores: false` (weights,
 * indices, counts and drops: what the composites return); TF.js wasm composites as a user writes them
 * (softmax / sigmoid → [+ bias → group top-2 sums → topk of groups → mask] → topk →
 * gather (flat indices: gather with batchDims crashes the wasm backend) → renormalize; the input tensor resident, timing ops + dataSync of weights
 * and indices); plain JavaScript (per token: scores, a sort of the expert indices by
 * score, slice k, renormalize). Beside them, interleaved, the exp floor: the SIMD exp
 * probe over as many elements (tokens × experts). Reported per token.
 * Error: max |w − ref| of the weights against the plain JavaScript router in
 * float64 on the same Float32 logits; "indices" the fraction of slots that agree
 * (per token as sets: the order of a token's k slots differs between candidates).
 */
import { normalArray } from '../lib/data.js';
import { libFunction, loadSoftmaxKit, loadTf, tfBackend } from '../lib/peers.js';
import { interleave } from '../lib/stats.js';
import { EXP_FLOOR, expFloor } from './softmax.js';

const CASES = {
  'gating/4096x64-k2': { tokens: 4096, experts: 64, k: 2 },
  'gating/4096x256-k8-sigmoid-groups8of4': {
    tokens: 4096,
    experts: 256,
    k: 8,
    sigmoid: true,
    groups: { count: 8, top: 4 },
    scale: 2.5,
  },
};

export const ids = () => Object.keys(CASES);

/** The router in plain JavaScript, as one would write it (float64 math; `Out` the weights' type). */
export function plainRouter(x, c, bias, Out = Float32Array) {
  const { tokens: T, experts: E, k } = c;
  const weights = new Out(T * k);
  const indices = new Int32Array(T * k);
  const s = new Float64Array(E);
  const key = new Float64Array(E);
  const order = Array.from({ length: E }, (_, i) => i);
  const size = c.groups ? E / c.groups.count : E;
  for (let t = 0; t < T; t++) {
    const o = t * E;
    if (c.sigmoid) for (let e = 0; e < E; e++) s[e] = 1 / (1 + Math.exp(-x[o + e]));
    else {
      let m = Number.NEGATIVE_INFINITY;
      for (let e = 0; e < E; e++) if (x[o + e] > m) m = x[o + e];
      let z = 0;
      for (let e = 0; e < E; e++) z += s[e] = Math.exp(x[o + e] - m);
      for (let e = 0; e < E; e++) s[e] /= z;
    }
    for (let e = 0; e < E; e++) key[e] = s[e] + (bias ? bias[e] : 0);
    if (c.groups) {
      const gs = [];
      for (let g = 0; g < c.groups.count; g++) {
        const v = Array.from(key.subarray(g * size, (g + 1) * size)).sort((a, b) => b - a);
        gs.push([v[0] + v[1], g]);
      }
      gs.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
      const keep = new Set(gs.slice(0, c.groups.top).map(([, g]) => g));
      for (let e = 0; e < E; e++) if (!keep.has(Math.floor(e / size))) key[e] = -Infinity;
    }
    order.sort((a, b) => key[b] - key[a] || a - b);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += s[order[j]];
    for (let j = 0; j < k; j++) {
      indices[t * k + j] = order[j];
      weights[t * k + j] = (s[order[j]] / sum) * (c.scale ?? 1);
    }
  }
  return { weights, indices };
}

/** The TF.js composite; returns { weights, indices } as typed arrays. */
function tfRouter(tf, xT, biasT, c) {
  const { tokens: T, experts: E, k } = c;
  return tf.tidy(() => {
    const s = c.sigmoid ? tf.sigmoid(xT) : tf.softmax(xT);
    let idx;
    let w;
    if (c.groups) {
      const G = c.groups.count;
      const sb = tf.add(s, biasT);
      const groupScore = tf.sum(tf.topk(tf.reshape(sb, [T, G, E / G]), 2).values, -1);
      const keep = tf.sum(tf.oneHot(tf.topk(groupScore, c.groups.top).indices, G), 1); // [T, G]
      const mask = tf.reshape(tf.tile(tf.expandDims(keep, -1), [1, 1, E / G]), [T, E]);
      const masked = tf.where(tf.cast(mask, 'bool'), sb, tf.fill([T, E], -Infinity));
      idx = tf.topk(masked, k).indices;
      // gather the unbiased scores (tf.gather with batchDims crashes the wasm backend: flat indices)
      const rowStart = tf.mul(tf.range(0, T, 1, 'int32'), tf.scalar(E, 'int32'));
      w = tf.gather(tf.reshape(s, [T * E]), tf.add(idx, tf.expandDims(rowStart, -1)));
    } else {
      const top = tf.topk(s, k);
      idx = top.indices;
      w = top.values;
    }
    const wn = tf.mul(tf.div(w, tf.sum(w, -1, true)), c.scale ?? 1);
    return { weights: wn.dataSync(), indices: idx.dataSync() };
  });
}

/**
 * Weights error and index agreement per token as sets: the candidates order a token's
 * k slots differently (softmax-kit by weight, the composites by the biased key).
 */
function score(y, ref, k) {
  let err = 0;
  let same = 0;
  for (let t = 0; t < ref.indices.length / k; t++) {
    const want = new Map();
    for (let j = t * k; j < (t + 1) * k; j++) want.set(ref.indices[j], ref.weights[j]);
    for (let j = t * k; j < (t + 1) * k; j++) {
      const w = want.get(y.indices[j]);
      if (w === undefined) continue;
      same++;
      err = Math.max(err, Math.abs(y.weights[j] - w));
    }
  }
  return { maxError: err, indicesAgree: same / ref.indices.length };
}

export async function run(id, { quick }) {
  const c = CASES[id];
  const { tokens: T, experts: E, k } = c;
  const kit = await loadSoftmaxKit();
  const tf = await loadTf();
  const x = normalArray(Float32Array, T * E, 1800 + E, 1);
  const bias = c.groups ? normalArray(Float32Array, E, 1900 + E, 0.01) : undefined;
  const ref = plainRouter(x, c, bias, Float64Array);
  const list = [];
  const skipped = [];
  const gate = libFunction(kit.lib, 'topKGating');
  if (gate.ok) {
    const options = {
      shape: [T, E],
      k,
      ...(c.sigmoid ? { scoring: 'sigmoid', bias, groups: c.groups, scale: c.scale } : {}),
    };
    list.push({ name: 'softmax-kit topKGating', run: () => gate.fn(x, options) });
    list.push({
      name: 'softmax-kit topKGating, scores: false',
      run: () => gate.fn(x, { ...options, scores: false }),
    });
  } else skipped.push(`softmax-kit: ${gate.why}`);
  if (tf.status.wasm.ok) {
    await tf.tf.setBackend('wasm');
    const xT = tf.tf.tensor2d(x, [T, E], 'float32');
    const biasT = bias ? tf.tf.tensor1d(bias, 'float32') : undefined;
    list.push({
      name: 'TF.js wasm',
      run: () => tfRouter(tf.tf, xT, biasT, c),
      ...tfBackend(tf.tf, 'wasm'),
    });
  } else skipped.push(`TF.js wasm: ${tf.status.wasm.why}`);
  list.push({ name: 'plain JS (sort per token)', run: () => plainRouter(x, c, bias) });
  list.push(expFloor(T * E));
  // V8 settles topKGating's loops after ~4 calls (the first call of the groups case takes
  // ~9× the settled one): more warm-up rounds than the softmax cases
  const { times, outputs } = await interleave(list, {
    warmup: quick ? 4 : 6,
    rounds: quick ? 5 : 15,
  });
  const candidates = list.map((cand) => ({
    name: cand.name,
    ...times[cand.name],
    ...(cand.name === EXP_FLOOR ? {} : score(outputs[cand.name], ref, k)),
  }));
  return { id, ...c, elements: T * E, candidates, skipped, notes: { tfWasm: tf.wasmFlags } };
}
