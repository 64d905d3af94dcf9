/**
 * Issue 16: token sampling, Float32, one shape per process.
 * - The default chain (penalties over a 64-token history, top-k 40, top-p 0.95,
 *   min-p 0.05, temperature 0.8, draw) on one row of 32,000, 128,256 and 256,000
 *   logits and on a batch of 64 × 128,256: softmax-kit `sample` against
 *   (a) the same chain written the usual way in JavaScript (a full sort of the
 *   vocabulary), (b) transformers.js' sampler (its MultinomialSampler path:
 *   `topk` + `softmax` of the k values + a multinomial draw — top-k only, no
 *   penalties, no top-p/min-p), and (c) softmax-kit's own softmax of the same
 *   logits: the floor (one read of the row, one exp pass, one write).
 * - softmaxTopK (k = 1, 8, 64) against TF.js wasm `tf.topk(tf.softmax(x), k)` and
 *   softmax + a full sort in JavaScript; on 1 and 2 threads (a long row is cut into
 *   parts, so 2 threads share one row), copied and in place (wasmArray: like for like
 *   with TF.js, whose input tensor lives in its WebAssembly memory, its upload untimed).
 * "agree" checks each candidate's output against softmax-kit's on the same input
 * (the chain: the token drawn is in the sort-based chain's kept set; softmaxTopK:
 * the same indices and values within 1e-6 relative).
 * softmax-kit runs with its default backend ('auto': the wasm SIMD top-k kernel) and,
 * for comparison in the same process, with `backend: 'js'` (the scalar JavaScript
 * kernel); batches also with `configure({ threads: 2 })` (the top-k pass of a block of
 * rows on the worker pool, the rest of the chain on the calling thread), and with the
 * logits in the WebAssembly memory (wasmArray, read in place), on 1 and 2 threads.
 */
import { normalArray, uniforms } from '../lib/data.js';
import {
  addTried,
  libFunction,
  loadSoftmaxKit,
  loadTf,
  loadTransformers,
  tfBackend,
  withThreads,
} from '../lib/peers.js';
import { interleave } from '../lib/stats.js';

const CHAIN_SHAPES = [
  [1, 32_000],
  [1, 128_256],
  [1, 256_000],
  [64, 128_256],
];
const TOPK_SHAPES = [
  [1, 128_256],
  [64, 32_000],
];
const KS = [1, 8, 64];
const CHAIN = {
  repetition: 1.1,
  frequency: 0.1,
  presence: 0.1,
  topK: 40,
  topP: 0.95,
  minP: 0.05,
  temperature: 0.8,
};

export const ids = (quick) => [
  ...CHAIN_SHAPES.filter(([r]) => !quick || r === 1).map(([r, n]) => `sampling/chain-${r}x${n}`),
  ...TOPK_SHAPES.map(([r, n]) => `sampling/softmax-top-k-${r}x${n}`),
];

/** The chain as one writes it in JavaScript: penalties on a copy, a full sort, cumulative cuts. */
export function sortChain(x, rows, n, history, rand) {
  const out = new Int32Array(rows);
  const counts = new Map();
  for (const t of history) counts.set(t, (counts.get(t) ?? 0) + 1);
  for (let r = 0; r < rows; r++) {
    const l = Float64Array.from(x.subarray(r * n, (r + 1) * n));
    for (const [t, c] of counts) {
      const v = l[t];
      l[t] =
        (v > 0 ? v / CHAIN.repetition : v * CHAIN.repetition) -
        c * CHAIN.frequency -
        CHAIN.presence;
    }
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => l[b] - l[a]);
    let k = CHAIN.topK;
    while (k < n && l[order[k]] === l[order[k - 1]]) k++; // ties at the k-th kept
    const kept = order.slice(0, k);
    const softmaxOf = (ids, t) => {
      const m = l[ids[0]] / t;
      const e = ids.map((i) => Math.exp(l[i] / t - m));
      const z = e.reduce((s, v) => s + v, 0);
      return e.map((v) => v / z);
    };
    let p = softmaxOf(kept, 1);
    let cum = 0;
    let cut = kept.length;
    for (let j = 0; j < kept.length; j++) {
      if (cum >= CHAIN.topP) {
        cut = j;
        break;
      }
      cum += p[j];
    }
    let ids = kept.slice(0, cut);
    p = softmaxOf(ids, 1);
    ids = ids.filter((_, j) => p[j] >= CHAIN.minP * p[0]);
    p = softmaxOf(ids, CHAIN.temperature);
    let u = rand();
    let j = 0;
    while (j < ids.length - 1 && u >= p[j]) u -= p[j++];
    out[r] = ids[j];
  }
  return out;
}

/** transformers.js' MultinomialSampler path: topk of the row, softmax of the k values, one draw. */
async function hfSampler(hf, x, rows, n, rand) {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const t = new hf.Tensor('float32', x.subarray(r * n, (r + 1) * n), [1, n]);
    const [v, i] = await hf.topk(t, CHAIN.topK);
    const p = hf.softmax(v.data);
    let u = rand();
    let j = 0;
    while (j < p.length - 1 && u >= p[j]) u -= p[j++];
    out[r] = Number(i.data[j]);
  }
  return out;
}

async function chainCase(rows, n, quick) {
  const kit = await loadSoftmaxKit();
  const hf = await loadTransformers();
  const x = normalArray(Float32Array, rows * n, 4242 + rows, 3);
  const rand = uniforms(7);
  const history = Array.from({ length: 64 }, () => Math.floor(rand() * n));
  const shape = [rows, n];
  const list = [];
  const skipped = [];
  const sample = libFunction(kit.lib, 'sample');
  let inPlace; // the in-place candidates' wasmArray (a getter), when they run
  let step = 0;
  const options = () => ({
    shape,
    seed: 1,
    step: step++,
    penalties: {
      tokens: history,
      repetition: CHAIN.repetition,
      frequency: CHAIN.frequency,
      presence: CHAIN.presence,
    },
    topK: CHAIN.topK,
    topP: CHAIN.topP,
    minP: CHAIN.minP,
    temperature: CHAIN.temperature,
  });
  if (sample.ok) {
    await addTried(list, skipped, {
      name: 'softmax-kit sample (default chain)',
      run: () => sample.fn(x, options()).tokens,
    });
    await addTried(list, skipped, {
      name: 'softmax-kit sample, backend js',
      run: () => sample.fn(x, { ...options(), backend: 'js' }).tokens,
    });
    if (rows > 1 && kit.threads.ok)
      await addTried(list, skipped, {
        name: 'softmax-kit sample 2 threads',
        run: () => sample.fn(x, options()).tokens,
        ...withThreads(kit.lib, 2),
      });
    else if (rows > 1) skipped.push(`softmax-kit sample 2 threads: ${kit.threads.why}`);
    if (rows > 1 && kit.wasm.ok)
      inPlace = await inPlaceCandidates(
        kit,
        list,
        skipped,
        x,
        (xw) => sample.fn(xw, options()).tokens,
        'sample',
      );
  } else skipped.push(sample.why);
  const big = rows * n > 1e6;
  // the sort-based chain takes seconds a call on a batch: 9 rounds of it there, 25 of the rest
  list.push({
    name: 'sort-based JS chain',
    run: () => sortChain(x, rows, n, history, rand),
    ...(big ? { rounds: 9 } : {}),
  });
  if (hf.ok)
    list.push({
      name: 'transformers.js sampler (top-k + multinomial only)',
      run: () => hfSampler(hf.hf, x, rows, n, rand),
    });
  else skipped.push(`transformers.js: ${hf.why}`);
  list.push({
    name: 'softmax-kit softmax of the logits (floor)',
    run: () => kit.lib.softmax(x, { shape }),
  });
  const { times, outputs } = await interleave(list, {
    warmup: quick ? 1 : 3,
    rounds: quick ? 5 : 25,
  });
  // agreement: softmax-kit's token lies in the sort-based chain's kept set (checked on row 0)
  const candidates = list.map((c) => ({ name: c.name, ...times[c.name] }));
  const tok = outputs['softmax-kit sample (default chain)']?.[0];
  // in place and copied: the same tokens for the same step (checked once, untimed)
  const xw = inPlace?.();
  const inPlaceSameTokens =
    xw &&
    sameTokens(sample.fn(x, { ...options(), step: 0 }), sample.fn(xw, { ...options(), step: 0 }));
  return {
    kind: 'chain',
    rows,
    n,
    elements: rows * n,
    firstToken: tok,
    inPlaceSameTokens,
    candidates,
    skipped,
  };
}

const sameTokens = (a, b) => a.tokens.every((t, r) => t === b.tokens[r]);

/**
 * `sample` on logits that live in the WebAssembly memory (wasmArray): read in place,
 * each row's chain run as soon as the pool has selected its top-k buffer; one thread and
 * 2 threads. The array is made (untimed) before a call when it is missing or detached.
 * Returns a getter of the array (undefined without wasmArray).
 */
async function inPlaceCandidates(kit, list, skipped, x, run, label) {
  if (typeof kit.lib.wasmArray !== 'function') {
    skipped.push(`softmax-kit ${label} in-place: no wasmArray export`);
    return undefined;
  }
  let xw;
  const make = () => {
    if (xw?.length === x.length && xw.buffer.byteLength > 0) return;
    xw = kit.lib.wasmArray(Float32Array, x.length);
    xw.set(x);
  };
  const wasmArray = () => {
    make();
    return xw;
  };
  await addTried(list, skipped, {
    name: `softmax-kit ${label} in-place (wasmArray)`,
    before: make,
    run: () => run(xw),
  });
  if (kit.threads.ok) {
    const threads = withThreads(kit.lib, 2);
    await addTried(list, skipped, {
      name: `softmax-kit ${label} in-place 2 threads`,
      before: () => {
        threads.before();
        make();
      },
      run: () => run(xw),
      after: threads.after,
    });
  }
  return wasmArray;
}

/** softmax + a full sort of the row, in JavaScript. */
function sortTopK(x, rows, n, k) {
  const values = new Float32Array(rows * k);
  const indices = new Int32Array(rows * k);
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let m = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < n; j++) if (x[o + j] > m) m = x[o + j];
    const p = new Float64Array(n);
    let z = 0;
    for (let j = 0; j < n; j++) z += p[j] = Math.exp(x[o + j] - m);
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[b] - p[a] || a - b);
    for (let j = 0; j < k; j++) {
      indices[r * k + j] = order[j];
      values[r * k + j] = p[order[j]] / z;
    }
  }
  return { values, indices };
}

async function topKCase(rows, n, quick) {
  const kit = await loadSoftmaxKit();
  const tf = await loadTf();
  const x = normalArray(Float32Array, rows * n, 99 + rows, 3);
  const shape = [rows, n];
  const tables = [];
  const skipped = [];
  const f = libFunction(kit.lib, 'softmaxTopK');
  if (!f.ok) skipped.push(f.why);
  for (const k of KS) {
    const list = [];
    if (f.ok) {
      await addTried(list, skipped, {
        name: 'softmax-kit softmaxTopK',
        run: () => f.fn(x, { k, shape }),
      });
      await addTried(list, skipped, {
        name: 'softmax-kit softmaxTopK, backend js',
        run: () => f.fn(x, { k, shape, backend: 'js' }),
      });
      // a long row is cut into parts, so 2 threads share even one row
      if (kit.threads.ok)
        await addTried(list, skipped, {
          name: 'softmax-kit softmaxTopK 2 threads',
          run: () => f.fn(x, { k, shape }),
          ...withThreads(kit.lib, 2),
        });
      // like for like with TF.js, whose input tensor already lives in its WebAssembly memory
      if (kit.wasm.ok)
        await inPlaceCandidates(
          kit,
          list,
          skipped,
          x,
          (xw) => f.fn(xw, { k, shape }),
          'softmaxTopK',
        );
    }
    if (tf.status.wasm.ok) {
      const T = tf.tf;
      await T.setBackend('wasm');
      const t = T.tensor2d(x, shape);
      list.push({
        name: 'TF.js wasm topk(softmax(x))',
        run: () => {
          const s = T.softmax(t);
          const { values, indices } = T.topk(s, k);
          const out = { values: values.dataSync(), indices: indices.dataSync() };
          T.dispose([s, values, indices]);
          return out;
        },
        ...tfBackend(T, 'wasm'),
      });
    } else skipped.push(`TF.js wasm: ${tf.status.wasm.why}`);
    list.push({ name: 'softmax + full sort (JS)', run: () => sortTopK(x, rows, n, k) });
    const { times, outputs } = await interleave(list, {
      warmup: quick ? 1 : 3,
      rounds: quick ? 5 : 15,
    });
    const ref = outputs['softmax + full sort (JS)'];
    tables.push({
      k,
      candidates: list.map((c) => ({
        name: c.name,
        ...times[c.name],
        ...agreement(outputs[c.name], ref),
      })),
    });
  }
  return { kind: 'softmax-top-k', rows, n, elements: rows * n, tables, skipped };
}

/** Same indices, values within 1e-6 relative, as the sort-based reference. */
function agreement(y, ref) {
  let sameIndices = true;
  let worst = 0;
  for (let j = 0; j < ref.indices.length; j++) {
    if (y.indices[j] !== ref.indices[j]) sameIndices = false;
    worst = Math.max(worst, Math.abs(y.values[j] - ref.values[j]) / ref.values[j]);
  }
  return { sameIndices, maxRelError: worst };
}

export async function run(id, { quick }) {
  const [, kind, shape] = id.match(/^sampling\/(chain|softmax-top-k)-(\d+x\d+)$/) ?? [];
  const [rows, n] = shape.split('x').map(Number);
  const result =
    kind === 'chain' ? await chainCase(rows, n, quick) : await topKCase(rows, n, quick);
  return { id, ...result };
}
