/**
 * Cross-entropy and large-vocabulary linear cross-entropy, loss and
 * gradients together, Float32.
 * - crossEntropy vs TF.js tf.losses.softmaxCrossEntropy + its gradient
 *   (tf.valueAndGrad) on the wasm and cpu backends, and naive JavaScript; the
 *   2048 × 32,000 shape (a 2048-token batch over a 32k vocabulary) also in a process
 *   with huge pages (ce-…-hugepages).
 * - linearCrossEntropy vs the materialized path: TF.js wasm matMul +
 *   softmaxCrossEntropy with gradients for hidden and weight (tf.valueAndGrads),
 *   and plain JavaScript (logits n × vocab in memory). GFLOP/s counts the three
 *   products of the math (logits, dHidden, dWeight): 6·n·d·vocab.
 * Peak memory of each linear-cross-entropy path is measured in memory.js.
 */
import { normalArray, targetArray } from '../lib/data.js';
import { addTried, libFunction, loadSoftmaxKit, loadTf, tfBackend } from '../lib/peers.js';
import { interleave } from '../lib/stats.js';

const CE_SHAPES = [
  [32, 32_000],
  [4096, 128],
  [2048, 32_000], // a 2048-token batch over a 32k vocabulary (65.5M logits); full runs only
];
/** Above this many logits a case runs fewer rounds and skips TF.js cpu (~30 s a call). */
const BIG = 1e7;
export const LCE = { n: 512, d: 256, vocab: 32_000 };

export const ids = (quick) => [
  ...CE_SHAPES.filter(([r, c]) => !quick || r * c <= BIG).map(([r, c]) => `losses/ce-${r}x${c}`),
  // 2048 × 32,000 again in a process whose large allocations use huge pages (run.js sets
  // GLIBC_TUNABLES for ids ending in -hugepages): how much of a fresh gradient is page faults
  ...(quick ? [] : ['losses/ce-2048x32000-hugepages']),
  ...(quick ? [] : [`losses/lce-${LCE.n}x${LCE.d}x${LCE.vocab}`]),
];

/** Cross-entropy (mean over rows) and its gradient in plain JavaScript, float64 math. */
export function naiveCrossEntropy(x, t, rows, n) {
  const grad = new x.constructor(x.length);
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let m = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < n; j++) if (x[o + j] > m) m = x[o + j];
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.exp(x[o + j] - m);
    loss += m + Math.log(s) - x[o + t[r]];
    for (let j = 0; j < n; j++) grad[o + j] = Math.exp(x[o + j] - m) / s / rows;
    grad[o + t[r]] -= 1 / rows;
  }
  return { loss: loss / rows, grad };
}

function oneHot(tf, t, classes) {
  return tf.cast(tf.oneHot(tf.tensor1d(t, 'int32'), classes), 'float32');
}

/** Loss relative error and gradient error normwise: max|Δ| / max|ref| (none without pairs). */
function scoreLoss(got, ref, gradPairs) {
  const out = { lossError: Math.abs(got.loss - ref.loss) / Math.abs(ref.loss) };
  let worst = 0;
  for (const [g, r] of gradPairs) {
    let d = 0;
    let s = 0;
    for (let k = 0; k < r.length; k++) {
      d = Math.max(d, Math.abs(g[k] - r[k]));
      s = Math.max(s, Math.abs(r[k]));
    }
    worst = Math.max(worst, d / s);
  }
  if (gradPairs.length) out.gradError = worst;
  return out;
}

async function crossEntropyCase(rows, classes, quick) {
  const kit = await loadSoftmaxKit();
  const tf = await loadTf();
  const x = normalArray(Float32Array, rows * classes, 77 + rows, 4);
  const t = targetArray(rows, classes, 78);
  const ref = naiveCrossEntropy(Float64Array.from(x), t, rows, classes);
  const shape = [rows, classes];
  const list = [];
  const skipped = [];
  const ce = libFunction(kit.lib, 'crossEntropy');
  if (ce.ok) {
    const backends = kit.wasm.ok ? ['js', 'wasm'] : ['js'];
    for (const backend of backends)
      await addTried(list, skipped, {
        name: `softmax-kit ${backend}`,
        run: () => ce.fn(x, t, { shape, reduction: 'mean', backend }),
      });
    if (kit.wasm.ok) {
      // a training loop's call: the gradient buffer reused, not a fresh array each step
      const gradOut = new Float32Array(x.length);
      await addTried(list, skipped, {
        name: 'softmax-kit wasm gradOut (reused buffer)',
        run: () => ce.fn(x, t, { shape, reduction: 'mean', backend: 'wasm', gradOut }),
        snapshot: (y) => ({ loss: y.loss, grad: y.grad.slice() }),
      });
      // evaluation: the loss alone, no gradient computed or allocated
      await addTried(list, skipped, {
        name: 'softmax-kit wasm loss only (returnGrad: false)',
        run: () => ce.fn(x, t, { shape, reduction: 'mean', backend: 'wasm', returnGrad: false }),
      });
    } else skipped.push(`softmax-kit wasm: ${kit.wasm.why}`);
  } else skipped.push(ce.why);
  const big = rows * classes > BIG;
  for (const b of ['wasm', 'cpu']) {
    if (!tf.status[b].ok) {
      skipped.push(`TF.js ${b}: ${tf.status[b].why}`);
      continue;
    }
    if (big && b === 'cpu') {
      skipped.push('TF.js cpu: not run at this size (~0.5 µs per logit: ~30 s per call)');
      continue;
    }
    const T = tf.tf;
    await T.setBackend(b);
    const logits = T.tensor2d(x, shape);
    const labels = oneHot(T, t, classes);
    const vg = T.valueAndGrad((l) => T.losses.softmaxCrossEntropy(labels, l));
    list.push({
      name: `TF.js ${b}`,
      run: () => {
        const { value, grad } = vg(logits);
        const out = { loss: value.dataSync()[0], grad: grad.dataSync() };
        value.dispose();
        grad.dispose();
        return out;
      },
      ...tfBackend(T, b),
    });
  }
  list.push({ name: 'naive JS', run: () => naiveCrossEntropy(x, t, rows, classes) });
  const { times, outputs } = await interleave(list, {
    warmup: quick || big ? 1 : 3,
    rounds: quick || big ? 5 : 15,
  });
  const candidates = [];
  for (const c of list) {
    const y = outputs[c.name];
    const pairs = y.grad ? [[y.grad, ref.grad]] : [];
    candidates.push({ name: c.name, ...times[c.name], ...scoreLoss(y, ref, pairs) });
  }
  return { kind: 'ce', rows, classes, elements: rows * classes, candidates, skipped };
}

/**
 * Materialized linear cross-entropy in plain JavaScript, written with cache-friendly
 * loops: logits n × vocab in memory (the input's type), dHidden by rows of weight,
 * dWeight column by column of the logit gradient with a float64 accumulator.
 */
export function plainLinearCrossEntropy(h, w, t, n, d, vocab) {
  const logits = new h.constructor(n * vocab);
  for (let i = 0; i < n; i++)
    for (let v = 0; v < vocab; v++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += h[i * d + k] * w[v * d + k];
      logits[i * vocab + v] = s;
    }
  const { loss, grad } = naiveCrossEntropy(logits, t, n, vocab);
  const dHidden = new h.constructor(n * d);
  const acc = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    acc.fill(0);
    for (let v = 0; v < vocab; v++) {
      const g = grad[i * vocab + v];
      for (let k = 0; k < d; k++) acc[k] += g * w[v * d + k];
    }
    dHidden.set(acc, i * d);
  }
  const dWeight = new h.constructor(vocab * d);
  for (let v = 0; v < vocab; v++) {
    acc.fill(0);
    for (let i = 0; i < n; i++) {
      const g = grad[i * vocab + v];
      for (let k = 0; k < d; k++) acc[k] += g * h[i * d + k];
    }
    dWeight.set(acc, v * d);
  }
  return { loss, dHidden, dWeight };
}

/** The TF.js materialized path on one backend: value and gradients for hidden and weight. */
export function tfLinearCrossEntropy(T, h, w, t, n, d, vocab) {
  const hidden = T.tensor2d(h, [n, d]);
  const weight = T.tensor2d(w, [vocab, d]);
  const labels = oneHot(T, t, vocab);
  const vg = T.valueAndGrads((a, b) =>
    T.losses.softmaxCrossEntropy(labels, T.matMul(a, b, false, true)),
  );
  return () => {
    const { value, grads } = vg([hidden, weight]);
    const out = {
      loss: value.dataSync()[0],
      dHidden: grads[0].dataSync(),
      dWeight: grads[1].dataSync(),
    };
    value.dispose();
    for (const g of grads) g.dispose();
    return out;
  };
}

async function linearCase(quick) {
  const { n, d, vocab } = LCE;
  const kit = await loadSoftmaxKit();
  const tf = await loadTf();
  const h = normalArray(Float32Array, n * d, 91, 1);
  const w = normalArray(Float32Array, vocab * d, 92, 0.05);
  const t = targetArray(n, vocab, 93);
  const list = [];
  const skipped = [];
  const lce = libFunction(kit.lib, 'linearCrossEntropy');
  if (lce.ok) {
    await addTried(list, skipped, {
      name: 'softmax-kit',
      run: () => lce.fn(h, w, t, { n, d, vocab }),
    });
    // evaluation: the forward pass alone (a third of the flops)
    await addTried(list, skipped, {
      name: 'softmax-kit loss only (returnGrad: false)',
      run: () => lce.fn(h, w, t, { n, d, vocab, returnGrad: false }),
      flops: 2 * n * d * vocab,
    });
  } else skipped.push(lce.why);
  if (tf.status.wasm.ok) {
    await tf.tf.setBackend('wasm');
    list.push({
      name: 'TF.js wasm (materialized)',
      run: tfLinearCrossEntropy(tf.tf, h, w, t, n, d, vocab),
    });
  } else skipped.push(`TF.js wasm: ${tf.status.wasm.why}`);
  // Tens of seconds per call: one timed run, no warm-up.
  list.push({
    name: 'plain JS (materialized)',
    run: () => plainLinearCrossEntropy(h, w, t, n, d, vocab),
    warmup: 0,
    rounds: 1,
  });
  // Float64 reference: the materialized math on the same values in double precision.
  const ref = plainLinearCrossEntropy(Float64Array.from(h), Float64Array.from(w), t, n, d, vocab);
  const { times, outputs } = await interleave(list, { warmup: 1, rounds: quick ? 1 : 3 });
  const candidates = [];
  for (const c of list) {
    const y = outputs[c.name];
    const pairs = y.dHidden
      ? [
          [y.dHidden, ref.dHidden],
          [y.dWeight, ref.dWeight],
        ]
      : [];
    candidates.push({
      name: c.name,
      flops: c.flops,
      ...times[c.name],
      ...scoreLoss(y, ref, pairs),
    });
  }
  return { kind: 'lce', n, d, vocab, flops: 6 * n * d * vocab, candidates, skipped };
}

export async function run(id, { quick }) {
  const name = id.split('/')[1];
  if (name.startsWith('ce-')) {
    const [rows, classes] = name.slice(3).replace('-hugepages', '').split('x').map(Number);
    const hugePages = name.endsWith('-hugepages');
    return { id, hugePages, ...(await crossEntropyCase(rows, classes, quick)) };
  }
  return { id, ...(await linearCase(quick)) };
}
