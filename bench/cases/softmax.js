/**
 * softmax and logSoftmax, Float32 and Float64, one shape per process.
 * Candidates: softmax-kit (js, wasm, wasm + 2 threads), TF.js wasm and cpu,
 * onnxruntime-node (one Softmax / LogSoftmax node, 1 intra-op thread),
 * transformers.js' softmax / log_softmax applied row by row, naive JavaScript.
 * Each candidate takes an array and returns a fresh array (TF.js: a resident
 * input tensor, op + dataSync; onnxruntime: a resident input tensor, session.run).
 * Beside them, interleaved like them, the exp floor: the limits' SIMD exp probe run
 * over as many elements (L1-resident), so the floor is measured at the same moments.
 */
import { maxError, normalArray, referenceSoftmax } from '../lib/data.js';
import { probes } from '../lib/limits.js';
import { onnxSoftmaxModel } from '../lib/onnx.js';
import {
  addTried,
  loadOrt,
  loadSoftmaxKit,
  loadTf,
  loadTransformers,
  ortSession,
  tfBackend,
  withThreads,
} from '../lib/peers.js';
import { interleave } from '../lib/stats.js';

export const SHAPES = [
  [1, 1_000_000],
  [32, 32_000],
  [4096, 128],
  [65536, 16],
  [1024, 1024],
  [1, 256_000],
];

export const ids = () => SHAPES.map(([r, n]) => `softmax/${r}x${n}`);

/** Three-pass softmax in plain JavaScript, as one would write it. */
function naive(x, rows, n, log) {
  const y = new x.constructor(x.length);
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let m = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < n; j++) if (x[o + j] > m) m = x[o + j];
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.exp(x[o + j] - m);
    if (log) {
      const ls = Math.log(s);
      for (let j = 0; j < n; j++) y[o + j] = x[o + j] - m - ls;
    } else {
      for (let j = 0; j < n; j++) y[o + j] = Math.exp(x[o + j] - m) / s;
    }
  }
  return y;
}

/** transformers.js' one-row functions applied to each row. */
function perRow(f, x, rows, n) {
  const y = new x.constructor(x.length);
  for (let r = 0; r < rows; r++) y.set(f(x.subarray(r * n, (r + 1) * n)), r * n);
  return y;
}

/**
 * softmax-kit wasm on arrays that live in the WebAssembly memory (wasmArray): input
 * and `out` there, no copies. A heap growth detaches such views, so they are
 * (re)made untimed before a call when needed.
 */
function inWasmMemory(lib, fn, x, shape) {
  let xw;
  let yw;
  return {
    name: 'softmax-kit wasm in-place (wasmArray)',
    before: () => {
      if (xw?.length === x.length && yw?.length === x.length) return;
      xw = lib.wasmArray(x.constructor, x.length);
      xw.set(x);
      yw = lib.wasmArray(x.constructor, x.length);
    },
    run: () => fn(xw, { shape, backend: 'wasm', out: yw }),
    snapshot: (y) => y.slice(),
  };
}

async function candidatesFor(ctx, op, x, rows, n) {
  const { kit, tf, ort, hf } = ctx;
  const f64 = x instanceof Float64Array;
  const log = op === 'logSoftmax';
  const shape = [rows, n];
  const list = [];
  const skipped = [];
  const fn = kit.lib[op];
  await addTried(list, skipped, {
    name: 'softmax-kit js',
    run: () => fn(x, { shape, backend: 'js' }),
  });
  if (kit.wasm.ok)
    await addTried(list, skipped, {
      name: 'softmax-kit wasm',
      run: () => fn(x, { shape, backend: 'wasm' }),
    });
  else skipped.push(`softmax-kit wasm: ${kit.wasm.why}`);
  if (kit.wasm.ok && typeof kit.lib.wasmArray === 'function') {
    await addTried(list, skipped, inWasmMemory(kit.lib, fn, x, shape));
    if (kit.threads.ok) {
      // the 2-thread speed-up of the kernels themselves (the copy path's copies are serial)
      const inPlace = inWasmMemory(kit.lib, fn, x, shape);
      const threads = withThreads(kit.lib, 2);
      await addTried(list, skipped, {
        ...inPlace,
        name: 'softmax-kit wasm in-place 2 threads',
        before: () => {
          threads.before();
          inPlace.before();
        },
        after: threads.after,
      });
    }
  }
  if (kit.threads.ok)
    await addTried(list, skipped, {
      name: 'softmax-kit wasm 2 threads',
      run: () => fn(x, { shape, backend: 'wasm' }),
      ...withThreads(kit.lib, 2),
    });
  else skipped.push(`softmax-kit wasm 2 threads: ${kit.threads.why}`);
  if (kit.wasm.ok) {
    // ordinary arrays with one reused output: the copy path without the fresh pages'
    // first-touch cost, so its thread scaling shows (copies pipelined with the workers)
    const out = new x.constructor(x.length);
    const reused = () => fn(x, { shape, backend: 'wasm', out });
    await addTried(list, skipped, { name: 'softmax-kit wasm out reused', run: reused });
    if (kit.threads.ok)
      await addTried(list, skipped, {
        name: 'softmax-kit wasm out reused 2 threads',
        run: reused,
        ...withThreads(kit.lib, 2),
      });
  }
  if (!f64) {
    for (const b of ['wasm', 'cpu']) {
      if (!tf.status[b].ok) {
        skipped.push(`TF.js ${b}: ${tf.status[b].why}`);
        continue;
      }
      await tf.tf.setBackend(b);
      const t = tf.tf.tensor2d(x, shape, 'float32');
      const tfOp = log ? tf.tf.logSoftmax : tf.tf.softmax;
      list.push({
        name: `TF.js ${b}`,
        run: () => {
          const y = tfOp(t);
          const d = y.dataSync();
          y.dispose();
          return d;
        },
        ...tfBackend(tf.tf, b),
      });
    }
  }
  if (ort.ok) {
    const session = await ortSession(
      ort.ort,
      onnxSoftmaxModel(log ? 'LogSoftmax' : 'Softmax', shape, f64),
    );
    const feeds = { x: new ort.ort.Tensor(f64 ? 'float64' : 'float32', x, shape) };
    list.push({ name: 'onnxruntime-node', run: async () => (await session.run(feeds)).y.data });
  } else skipped.push(`onnxruntime-node: ${ort.why}`);
  if (hf.ok) {
    const f = log ? hf.hf.log_softmax : hf.hf.softmax;
    list.push({ name: 'transformers.js', run: () => perRow(f, x, rows, n) });
  } else skipped.push(`transformers.js: ${hf.why}`);
  list.push({ name: 'naive JS', run: () => naive(x, rows, n, log) });
  list.push(expFloor(rows * n));
  return { list, skipped };
}

/** Name of the exp floor candidate (not a softmax: no error is scored). */
export const EXP_FLOOR = 'exp floor (SIMD exp probe, same elements)';

/** The probe's exp loop over `elements` elements: a 16 KiB block, L1-resident, repeated. */
export function expFloor(elements) {
  const w = probes();
  const block = 4096;
  const mem = new Float32Array(w.memory.buffer);
  for (let k = 0; k < block; k++) mem[k] = -10 * Math.sin(k);
  const reps = Math.ceil(elements / block);
  return { name: EXP_FLOOR, run: () => w.exp(0, block * 4, block * 4, reps) };
}

/**
 * Measure one shape: softmax and logSoftmax, Float32 (and Float64 unless `float32Only`),
 * over the candidates that `keep(name)` accepts (all by default).
 */
export async function measureShape(rows, n, { quick, float32Only = false, keep = () => true }) {
  const ctx = {
    kit: await loadSoftmaxKit(),
    tf: await loadTf(),
    ort: await loadOrt(),
    hf: await loadTransformers(),
  };
  const x32 = normalArray(Float32Array, rows * n, 1234 + rows, 4);
  const x64 = Float64Array.from(x32);
  const rounds = quick ? 5 : 15;
  const warmup = quick ? 1 : 3;
  const tables = [];
  for (const op of ['softmax', 'logSoftmax']) {
    const ref = referenceSoftmax(x64, rows, n, op === 'logSoftmax');
    for (const x of float32Only ? [x32] : [x32, x64]) {
      const all = await candidatesFor(ctx, op, x, rows, n);
      const list = all.list.filter((c) => keep(c.name));
      const { times, outputs } = await interleave(list, { warmup, rounds });
      const candidates = [];
      for (const c of list) {
        const y = outputs[c.name];
        const error =
          c.name === EXP_FLOOR ? {} : { maxError: maxError(y, ref, op === 'logSoftmax') };
        candidates.push({ name: c.name, ...times[c.name], ...error });
      }
      tables.push({
        op,
        dtype: x === x32 ? 'float32' : 'float64',
        candidates,
        skipped: all.skipped,
      });
    }
  }
  return { tables, ctx };
}

export async function run(id, { quick }) {
  const [rows, n] = id.split('/')[1].split('x').map(Number);
  const { tables, ctx } = await measureShape(rows, n, { quick });
  return {
    id,
    rows,
    n,
    elements: rows * n,
    tables,
    notes: { tfWasm: ctx.tf.wasmFlags },
  };
}
