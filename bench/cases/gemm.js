/**
 * The matrix-multiply micro-kernel's GFLOP/s against the core's SIMD peak.
 * One process; the three products of linearCrossEntropy at its default tile (64 rows ×
 * 256 classes, d = 256: logits H·Wᵀ, dHidden G·W, dWeight += Gᵀ·H, H and W Float32,
 * G Float64) and a 512³ product, each by
 * - the WebAssembly kernel on operands already in its memory (packing included: every
 *   call packs both operands, as linearCrossEntropy's calls do),
 * - the same through the dispatcher (src/kernels/gemm.ts) on ordinary arrays: the
 *   copies into and out of WebAssembly memory included, as the library calls it,
 * - the JavaScript kernel (src/kernels/js/gemm.ts),
 * all interleaved round by round with the f64x2 mul+add peak probe (bench/lib/limits.js),
 * so "% of peak" compares figures from the same rounds. GFLOP/s = 2·m·n·k / time.
 */
import { CHAINS, probes } from '../lib/limits.js';
import { loadSoftmaxKit } from '../lib/peers.js';
import { interleave } from '../lib/stats.js';

export const ids = () => ['gemm/tiles'];

/** [name, form, m, n, k, A's type, B's type, beta]: op(A) is m × k, op(B) k × n. */
const PRODUCTS = [
  ['logits tile H·Wᵀ', 'NT', 64, 256, 256, Float32Array, Float32Array, 0],
  ['dHidden G·W', 'NN', 64, 256, 256, Float64Array, Float32Array, 1],
  ['dWeight += Gᵀ·H', 'TN', 256, 256, 64, Float64Array, Float32Array, 1],
  ['square 512³ (NT)', 'NT', 512, 512, 512, Float32Array, Float32Array, 0],
];
const PEAK_ITERS = 200_000;
const PEAK_FLOPS = PEAK_ITERS * CHAINS * 4; // per chain and step: f64x2 mul + add

/** A's and B's stored shapes: NT: A m×k, B n×k; NN: A m×k, B k×n; TN: A k×m, B k×n. */
function stored(form, m, n, k) {
  return {
    a: form === 'TN' ? [k, m] : [m, k],
    b: form === 'NT' ? [n, k] : [k, n],
  };
}

function fill(a, seed) {
  for (let i = 0; i < a.length; i++) a[i] = Math.sin(seed + i * 0.731);
  return a;
}

export async function run(id, { quick }) {
  const kit = await loadSoftmaxKit();
  const dist = new URL('../../dist/', import.meta.url);
  const gemm = await import(new URL('kernels/gemm.js', dist).href);
  const jsGemm = await import(new URL('kernels/js/gemm.js', dist).href);
  const { wasmKernels } = await import(new URL('kernels/wasm/load.js', dist).href);
  const kern = kit.wasm.ok ? wasmKernels() : undefined;
  const probe = probes();
  const view = (data, ld) => ({ data, offset: 0, ld });
  const setups = PRODUCTS.map(([name, form, m, n, k, TA, TB, beta]) => {
    const { a, b } = stored(form, m, n, k);
    const A = fill(new TA(a[0] * a[1]), 1);
    const B = fill(new TB(b[0] * b[1]), 2);
    const C = new Float64Array(m * n);
    const call = `gemm${form}`;
    const args = () => [{ m, n, k, A: view(A, a[1]), B: view(B, b[1]), C: view(C, n), beta }];
    // once before any wasmArray exists: the dispatcher's scratch is then grown already (it
    // never grows a plain memory that holds arrays; it would run JavaScript instead)
    if (kern) gemm[call](...args());
    return { name, form, m, n, k, TA, TB, beta, A, B, C, call, args };
  });
  // every product's candidates in one list, interleaved round by round with the peak probe,
  // so that a slow spell of the shared machine hits all of them alike
  const PEAK = 'f64x2 mul+add peak (probe)';
  const list = [{ name: PEAK, run: () => probe.peak64(PEAK_ITERS) }];
  const arrays = [];
  for (const p of setups) {
    const { m, n, k, TA, TB, beta, A, B, C, call, args } = p;
    list.push({ name: `${p.name}|JavaScript`, run: () => jsGemm[call](...args()) });
    if (!kern) continue;
    list.push({ name: `${p.name}|WebAssembly, copies included`, run: () => gemm[call](...args()) });
    // operands in WebAssembly memory: the kernel alone, packing included
    const wa = kit.lib.wasmArray(TA, A.length);
    const wb = kit.lib.wasmArray(TB, B.length);
    const wc = kit.lib.wasmArray(Float64Array, C.length);
    const work = kit.lib.wasmArray(Float64Array, kern.exports.gemmWorkBytes(m, n, k) / 8 + 2);
    arrays.push(wa, wb, wc, work);
    wa.set(A);
    wb.set(B);
    // element strides: A(i, p) = a[i·sai + p·sap], B(p, j) = b[p·sbp + j·sbj]
    const [sai, sap] = p.form === 'TN' ? [1, m] : [k, 1];
    const [sbp, sbj] = p.form === 'NT' ? [1, k] : [n, 1];
    const f32 = (T) => (T === Float32Array ? 1 : 0);
    const [pa, pb, pc, pw] = [wa, wb, wc, work].map((w) => w.byteOffset);
    list.push({
      name: `${p.name}|WebAssembly kernel alone`,
      run: () =>
        kern.exports.gemm(
          m,
          n,
          k,
          pa,
          f32(TA),
          sai,
          sap,
          pb,
          f32(TB),
          sbp,
          sbj,
          pc,
          beta,
          (pw + 15) & ~15,
        ),
    });
  }
  const { times } = await interleave(list, { warmup: 3, rounds: quick ? 5 : 31 });
  for (const w of arrays) kit.lib.freeWasmArray(w);
  const peakGflops = PEAK_FLOPS / (times[PEAK].medianMs * 1e6);
  const products = setups.map(({ name, form, m, n, k, TA, TB }) => ({
    name,
    form,
    m,
    n,
    k,
    types: `${TA === Float32Array ? 'f32' : 'f64'} · ${TB === Float32Array ? 'f32' : 'f64'}`,
    candidates: list
      .filter((c) => c.name.startsWith(`${name}|`))
      .map((c) => ({
        name: c.name.slice(name.length + 1),
        ...times[c.name],
        gflops: (2 * m * n * k) / (times[c.name].medianMs * 1e6),
      })),
  }));
  return { id, kind: 'gemm', peakGflops, products };
}
