/**
 * Peak memory, one call per fresh process (see lib/memory.js for the method):
 * - linearCrossEntropy n = 512, d = 256, vocab = 32,000 for softmax-kit, the TF.js
 *   wasm materialized path and the plain-JS materialized path;
 * - linearCrossEntropy n = 4096, d = 64, vocab = 65,536 for softmax-kit (target:
 *   < 64 MiB beyond inputs and returned gradients; Float32 logits would be 1 GiB);
 * - softmax attention batch 1, heads 1, queries = keys = 16,384, dim 64 for
 *   softmax-kit (target: < 64 MiB beyond inputs and outputs).
 */
import { normalArray, targetArray } from '../lib/data.js';
import { peakOf } from '../lib/memory.js';
import { libFunction, loadSoftmaxKit, loadTf } from '../lib/peers.js';
import { LCE, plainLinearCrossEntropy, tfLinearCrossEntropy } from './losses.js';

const lceId = ({ n, d, vocab }) => `lce-${n}x${d}x${vocab}`;
const BIG_LCE = { n: 4096, d: 64, vocab: 65_536 };
const ATTENTION_TOKENS = 16_384;

export const ids = (quick) => [
  ...(quick
    ? []
    : ['softmax-kit', 'tfjs-wasm', 'plain-js'].map((c) => `memory/${lceId(LCE)}-${c}`)),
  `memory/${lceId(BIG_LCE)}-softmax-kit`,
  `memory/attention-${ATTENTION_TOKENS}-softmax-kit`,
];

function lceInputs({ n, d, vocab }) {
  return {
    h: normalArray(Float32Array, n * d, 91, 1),
    w: normalArray(Float32Array, vocab * d, 92, 0.05),
    t: targetArray(n, vocab, 93),
  };
}

/** A linear-cross-entropy path as (inputs, sizes) → outputs, for the tiny warm-up and the run. */
async function lcePath(candidate) {
  if (candidate === 'plain-js')
    return (x, s) => {
      const r = plainLinearCrossEntropy(x.h, x.w, x.t, s.n, s.d, s.vocab);
      return [r.dHidden, r.dWeight];
    };
  if (candidate === 'tfjs-wasm') {
    const tf = await loadTf();
    if (!tf.status.wasm.ok) return { why: `TF.js wasm: ${tf.status.wasm.why}` };
    await tf.tf.setBackend('wasm');
    return (x, s) => {
      const r = tfLinearCrossEntropy(tf.tf, x.h, x.w, x.t, s.n, s.d, s.vocab)();
      return [r.dHidden, r.dWeight];
    };
  }
  const kit = await loadSoftmaxKit();
  const lce = libFunction(kit.lib, 'linearCrossEntropy');
  if (!lce.ok) return { why: lce.why };
  return (x, s) => {
    const r = lce.fn(x.h, x.w, x.t, s);
    return [r.dHidden, r.dWeight, r.dBias];
  };
}

async function attentionPath() {
  const kit = await loadSoftmaxKit();
  const att = libFunction(kit.lib, 'attention');
  if (!att.ok) return { why: att.why };
  return (x, tokens) => {
    const r = att.fn(x.q, x.k, x.v, { batch: 1, heads: 1, queries: tokens, keys: tokens, dim: 64 });
    return [r.out, r.lse];
  };
}

function attentionInputs(tokens) {
  return {
    q: normalArray(Float32Array, tokens * 64, 21, 1),
    k: normalArray(Float32Array, tokens * 64, 22, 1),
    v: normalArray(Float32Array, tokens * 64, 23, 1),
  };
}

export async function run(id) {
  const name = id.split('/')[1];
  if (name.startsWith('attention-')) {
    const path = await attentionPath();
    if (path.why) return { id, skipped: path.why };
    path(attentionInputs(64), 64); // load and compile the code on a tiny problem
    const x = attentionInputs(ATTENTION_TOKENS);
    const inputMiB = (3 * x.q.byteLength) / 2 ** 20;
    return {
      id,
      what: 'attention',
      tokens: ATTENTION_TOKENS,
      dim: 64,
      inputMiB,
      ...(await peakOf(() => path(x, ATTENTION_TOKENS))),
    };
  }
  const candidate = name.replace(/^lce-\d+x\d+x\d+-/, '');
  const [n, d, vocab] = name.slice(4).split('-')[0].split('x').map(Number);
  const sizes = { n, d, vocab };
  const path = await lcePath(candidate);
  if (path.why) return { id, skipped: path.why };
  const tiny = { n: 8, d: 8, vocab: 64 };
  path(lceInputs(tiny), tiny);
  const x = lceInputs(sizes);
  const inputMiB = (x.h.byteLength + x.w.byteLength + x.t.byteLength) / 2 ** 20;
  return {
    id,
    what: 'linearCrossEntropy',
    candidate,
    ...sizes,
    inputMiB,
    ...(await peakOf(() => path(x, sizes))),
  };
}
