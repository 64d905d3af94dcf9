/**
 * Loading the candidates: softmax-kit (from ../dist, never from src/), TF.js with
 * its WebAssembly (XNNPACK) and CPU backends, onnxruntime-node, transformers.js.
 * Every loader returns { ok, why } so a missing peer or a not-yet-built
 * softmax-kit feature becomes a note in the report, not a crash.
 */

import { register } from 'node:module';

// SOFTMAX_KIT_DIST=<folder with index.js> benchmarks another build (development only).
const distUrl = process.env.SOFTMAX_KIT_DIST
  ? new URL(`file://${process.env.SOFTMAX_KIT_DIST.replace(/\/?$/, '/')}index.js`)
  : new URL('../../dist/index.js', import.meta.url);

/** The library, with what it offers today. */
export async function loadSoftmaxKit() {
  const lib = await import(distUrl.href);
  try {
    if (typeof lib.initWasm === 'function') await lib.initWasm();
    else if (typeof lib.ready?.then === 'function') await lib.ready;
  } catch (e) {
    // reported below: backend 'wasm' will be unavailable
    console.error(`softmax-kit wasm initialization failed: ${e.message}`);
  }
  let wasm = { ok: true };
  try {
    lib.softmax(new Float32Array(8), { backend: 'wasm' });
  } catch (e) {
    wasm = {
      ok: false,
      why: e.code === 'BACKEND_UNAVAILABLE' ? 'backend wasm not loaded' : e.message,
    };
  }
  const threads =
    typeof lib.configure !== 'function'
      ? { ok: false, why: 'no configure({ threads }) export' }
      : !wasm.ok
        ? { ok: false, why: 'needs the wasm backend' }
        : { ok: true };
  return { lib, wasm, threads };
}

/**
 * `before`/`after` hooks (untimed) that run a candidate with N threads:
 * `configure({ threads })` restarts the pool, which starts its workers lazily on
 * the first large call, so `before` also makes one such call (2 rows × 2^15) to
 * have the workers running before the timed call; `after` turns the pool off.
 */
export function withThreads(lib, n) {
  const start = new Float32Array(2 * 32768);
  return {
    before: () => {
      lib.configure({ threads: n });
      lib.softmax(start, { shape: [2, 32768], backend: 'wasm' });
    },
    after: () => lib.configure({ threads: 1 }),
  };
}

/**
 * Add a softmax-kit candidate to `list` after one untimed trial call, of `trial` if
 * given (a smaller problem) else of `run` (code still being written may throw: that
 * becomes a note in `skipped`, not a failed case).
 */
export async function addTried(list, skipped, candidate) {
  try {
    if (candidate.before) await candidate.before();
    await (candidate.trial ?? candidate.run)();
    if (candidate.after) await candidate.after();
    list.push(candidate);
  } catch (e) {
    skipped.push(`${candidate.name}: threw ${e.code ?? e.name}: ${e.message}`);
  }
}

/** A function `name` exported by the library, or the note why it is skipped. */
export function libFunction(lib, name) {
  return typeof lib[name] === 'function'
    ? { ok: true, fn: lib[name] }
    : { ok: false, why: `softmax-kit does not export ${name} yet` };
}

let tfPromise;
/** TF.js core with the cpu and wasm backends registered and initialized. */
export function loadTf() {
  tfPromise ??= (async () => {
    const tf = await import('@tensorflow/tfjs-core');
    // tfjs-core's Node bundle registers no gradients; the @tensorflow/tfjs bundle imports
    // them from the ESM dist, whose extensionless imports need the resolve hook.
    register('./tf-resolve-hook.js', import.meta.url);
    await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
    await import('@tensorflow/tfjs-backend-cpu');
    await import('@tensorflow/tfjs-backend-wasm');
    const status = {};
    for (const b of ['wasm', 'cpu']) {
      try {
        status[b] = (await tf.setBackend(b))
          ? { ok: true }
          : { ok: false, why: 'setBackend failed' };
        await tf.ready();
      } catch (e) {
        status[b] = { ok: false, why: e.message };
      }
    }
    const wasmFlags = {
      simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
      threads: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'),
    };
    return { tf, status, wasmFlags };
  })();
  return tfPromise;
}

/** Hooks selecting a TF.js backend before a candidate runs (untimed). */
export function tfBackend(tf, name) {
  return { before: () => tf.setBackend(name) };
}

let ortPromise;
export function loadOrt() {
  ortPromise ??= import('onnxruntime-node').then(
    (ort) => ({ ok: true, ort }),
    (e) => ({ ok: false, why: e.message }),
  );
  return ortPromise;
}

/** An onnxruntime session on one CPU thread. */
export async function ortSession(ort, modelBytes) {
  return ort.InferenceSession.create(modelBytes, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
}

let hfPromise;
export function loadTransformers() {
  hfPromise ??= import('@huggingface/transformers').then(
    (hf) => ({ ok: true, hf }),
    (e) => ({ ok: false, why: e.message }),
  );
  return hfPromise;
}
