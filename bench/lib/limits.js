/**
 * This machine's limits, measured in the benchmark's own run:
 * - the SIMD exp rate: a hand-assembled WebAssembly f32x4 exp loop (magic-bias
 *   rounding, range reduction by ln 2 in two parts, degree-5 minimax polynomial,
 *   2^n from exponent bits — the XNNPACK "rr2_p5" scheme, no FMA) over an
 *   L1-resident buffer, loading and storing each element like a softmax pass;
 * - the SIMD multiply-add peaks: 12 independent f32x4 mul+add chains, and the same
 *   on f64x2 (the gemm micro-kernel's lanes) (GFLOP/s, counting a mul and an add as
 *   2 flops per lane);
 * - memory bandwidth: a 256 MiB typed-array copy (read + write bytes) and a sum
 *   (read bytes), GB/s = 1e9 bytes/s;
 * - the 2-thread scaling of that exp loop: the calling thread and a worker run it at
 *   once on their own L1-resident buffers; (2 × the one-thread time) ÷ the time of
 *   the pair, one-thread and pair runs alternating. The most any compute-bound kernel
 *   can gain from 2 threads on this machine;
 * - the first touch of fresh memory: a new 256 MiB Float32Array written once per
 *   4 KiB page (the page faults every call that returns a new array pays), in a child
 *   process with the default allocator and in one with glibc's transparent-huge-page
 *   malloc (GLIBC_TUNABLES=glibc.malloc.hugetlb=1), ms per 100 MiB.
 */

import { execFileSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { median } from './stats.js';
import { assemble, op, simd, T } from './wasm-asm.js';

const LOG2E = Math.LOG2E;
const MAGIC = 12583039; // 0x1.8000FEp23: 1.5·2^23 + 127, rounds n and pre-biases 2^n's exponent
const LN2_HI = 0.693145751953125; // 0x1.62E400p-1: ln 2 with its low bits cleared
const LN2_LO = 1.428606765330187e-6; // 0x1.7F7D1Cp-20: ln 2 − LN2_HI
// Minimax coefficients c1..c5 of e^t on [−ln2/2, ln2/2] (XNNPACK f32 rr2_p5).
const C = [
  0.9999997019767761, 0.4999915063381195, 0.16667652130126953, 0.04189782217144966,
  0.008289290592074394,
];

function expModule() {
  // params: in, out, bytes, reps; locals: i, x, n, s, t, then the splatted constants
  const [pIn, pOut, pBytes, pReps, i, x, n, s, t] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const K = {
    lo: 9,
    log2e: 10,
    magic: 11,
    hi: 12,
    lo2: 13,
    c1: 14,
    c2: 15,
    c3: 16,
    c4: 17,
    c5: 18,
  };
  const splat = (local, v) => [op.f32Const(v), simd.f32x4Splat, op.localSet(local)];
  const get = op.localGet;
  const { f32x4Mul: mul, f32x4Add: add, f32x4Sub: sub } = simd;
  // One f32x4 vector at byte `offset` past i (the loop is unrolled 4×: 64 bytes a step).
  const vector = (offset) => [
    [get(pOut), get(i), op.i32Add], // store address, consumed by the store below
    // x = max(x, −87.33) (below it e^x is subnormal; the probe flushes it)
    [get(pIn), get(i), op.i32Add, simd.load(offset), get(K.lo), simd.f32x4Pmax, op.localSet(x)],
    // n = round(x·log2e) + magic; s = 2^n from n's low bits; n −= magic
    [get(x), get(K.log2e), mul, get(K.magic), add, op.localSet(n)],
    [get(n), op.i32Const(23), simd.i32x4Shl, op.localSet(s)],
    [get(n), get(K.magic), sub, op.localSet(n)],
    // t = x − n·ln2_hi − n·ln2_lo (two-part range reduction)
    [get(x), get(n), get(K.hi), mul, sub, get(n), get(K.lo2), mul, sub, op.localSet(t)],
    // p = c1 + t·(c2 + t·(c3 + t·(c4 + t·c5))); e^x = s + (t·s)·p
    [get(K.c5), get(t), mul, get(K.c4), add, get(t), mul, get(K.c3), add],
    [get(t), mul, get(K.c2), add, get(t), mul, get(K.c1), add],
    [get(t), get(s), mul, mul, get(s), add, simd.store(offset)],
  ];
  const body = [
    splat(K.lo, -87.33),
    splat(K.log2e, LOG2E),
    splat(K.magic, MAGIC),
    splat(K.hi, LN2_HI),
    splat(K.lo2, LN2_LO),
    C.map((c, j) => splat(K.c1 + j, c)),
    op.block,
    op.loop,
    [get(pReps), op.i32Eqz, op.brIf(1)],
    [op.i32Const(0), op.localSet(i)],
    op.block,
    op.loop,
    [get(i), get(pBytes), op.i32LtU, op.i32Eqz, op.brIf(1)],
    [0, 1, 2, 3].map((u) => vector(u * 16)),
    [get(i), op.i32Const(64), op.i32Add, op.localSet(i), op.br(0)],
    op.end,
    op.end,
    [get(pReps), op.i32Const(1), op.i32Sub, op.localSet(pReps), op.br(0)],
    op.end,
    op.end,
  ];
  return {
    name: 'exp',
    params: [T.i32, T.i32, T.i32, T.i32],
    results: [],
    locals: [
      [1, T.i32],
      [14, T.v128],
    ],
    body,
  };
}

/** Independent chains of the mul+add peak loops. */
export const CHAINS = 12;

/**
 * CHAINS independent mul+add chains on f32x4 (`f32`) or f64x2 lanes: `name(iters)` runs
 * iters steps of all chains (8 or 4 flops per chain and step).
 */
function peakModule(name, f32) {
  // param: iters; locals: acc 1..CHAINS, a, b
  const a = CHAINS + 1;
  const b = CHAINS + 2;
  const [splat, mul, add, lane0, addScalar, type] = f32
    ? [simd.f32x4Splat, simd.f32x4Mul, simd.f32x4Add, simd.f32x4ExtractLane(0), op.f32Add, T.f32]
    : [simd.f64x2Splat, simd.f64x2Mul, simd.f64x2Add, simd.f64x2ExtractLane(0), op.f64Add, T.f64];
  const konst = f32 ? op.f32Const : op.f64Const;
  const body = [];
  for (let j = 1; j <= CHAINS; j++) body.push(konst(j / 64), splat, op.localSet(j));
  body.push(konst(0.999), splat, op.localSet(a));
  body.push(konst(0.001), splat, op.localSet(b));
  body.push(op.block, op.loop, op.localGet(0), op.i32Eqz, op.brIf(1));
  for (let j = 1; j <= CHAINS; j++)
    body.push(op.localGet(j), op.localGet(a), mul, op.localGet(b), add, op.localSet(j));
  body.push(op.localGet(0), op.i32Const(1), op.i32Sub, op.localSet(0), op.br(0), op.end, op.end);
  body.push(op.localGet(1), lane0);
  for (let j = 2; j <= CHAINS; j++) body.push(op.localGet(j), lane0, addScalar);
  return { name, params: [T.i32], results: [type], locals: [[CHAINS + 2, T.v128]], body };
}

/** The probe module (exp + peak), compiled. */
function probeModule() {
  return new WebAssembly.Module(
    assemble([expModule(), peakModule('peak', true), peakModule('peak64', false)], 2),
  );
}

/** Instantiate the probe module synchronously. */
export function probes() {
  return new WebAssembly.Instance(probeModule()).exports;
}

/** Max relative error of the probe's exp against Math.exp on [−87, 0] (sanity check). */
function expError(w) {
  const n = 4096;
  const mem = new Float32Array(w.memory.buffer);
  for (let k = 0; k < n; k++) mem[k] = -87 * (k / (n - 1));
  w.exp(0, n * 4, n * 4, 1);
  let worst = 0;
  for (let k = 0; k < n; k++) {
    const ref = Math.exp(mem[k]);
    worst = Math.max(worst, Math.abs(mem[n + k] - ref) / ref);
  }
  return worst;
}

/** Elements per nanosecond of the SIMD exp loop (median of `rounds`). */
function expRate(w, rounds) {
  const n = 4096; // 16 KiB in + 16 KiB out: L1-resident
  const mem = new Float32Array(w.memory.buffer);
  for (let k = 0; k < n; k++) mem[k] = -10 * Math.sin(k);
  const reps = 2000;
  for (let q = 0; q < 5; q++) w.exp(0, n * 4, n * 4, 100); // warm-up (tier-up to the optimizing compiler)
  const times = [];
  for (let q = 0; q < rounds; q++) {
    const t0 = performance.now();
    w.exp(0, n * 4, n * 4, reps);
    times.push(performance.now() - t0);
  }
  return (n * reps) / (median(times) * 1e6);
}

// The worker: run the exp loop each time ctrl[0] moves on, then report ctrl[1] = round.
const EXP_WORKER = `
const { workerData: { module, ctrl, n, reps } } = require('node:worker_threads');
const w = new WebAssembly.Instance(module).exports;
const mem = new Float32Array(w.memory.buffer);
for (let k = 0; k < n; k++) mem[k] = -10 * Math.sin(k);
for (let q = 1; ; q++) {
  Atomics.wait(ctrl, 0, q - 1);
  if (Atomics.load(ctrl, 0) < 0) break;
  w.exp(0, n * 4, n * 4, reps);
  Atomics.store(ctrl, 1, q);
  Atomics.notify(ctrl, 1);
}
`;

/** 2-thread speed-up of the exp loop (see the module doc). */
async function expScaling(w, rounds) {
  const n = 4096;
  const reps = 4000; // ~10 ms a run: the worker's wake-up is noise
  const mem = new Float32Array(w.memory.buffer);
  for (let k = 0; k < n; k++) mem[k] = -10 * Math.sin(k);
  const ctrl = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(EXP_WORKER, {
    eval: true,
    workerData: { module: probeModule(), ctrl, n, reps },
  });
  await new Promise((ok) => worker.once('online', ok));
  const pair = (q) => {
    const t0 = performance.now();
    Atomics.store(ctrl, 0, q);
    Atomics.notify(ctrl, 0);
    w.exp(0, n * 4, n * 4, reps);
    while (Atomics.load(ctrl, 1) !== q) Atomics.wait(ctrl, 1, q - 1);
    return performance.now() - t0;
  };
  const one = () => {
    const t0 = performance.now();
    w.exp(0, n * 4, n * 4, reps);
    return performance.now() - t0;
  };
  const solo = [];
  const both = [];
  let q = 0;
  for (let k = 0; k < 3; k++) pair(++q); // warm-up (both threads tier up)
  for (let k = 0; k < rounds; k++) {
    solo.push(one());
    both.push(pair(++q));
  }
  Atomics.store(ctrl, 0, -1);
  Atomics.notify(ctrl, 0);
  await worker.terminate();
  return (2 * median(solo)) / median(both);
}

// Median ms per 100 MiB of first-touching a new 256 MiB Float32Array, over R rounds.
const TOUCH = `
const n = 1 << 26;
const ts = [];
for (let r = 0; r < Number(process.argv[1]); r++) {
  const t0 = performance.now();
  const a = new Float32Array(n);
  for (let i = 0; i < n; i += 1024) a[i] = 1;
  ts.push(performance.now() - t0);
}
ts.sort((p, q) => p - q);
console.log((ts[ts.length >> 1] * 100) / 256);
`;

/** First-touch cost (see the module doc) with the given extra environment. */
function firstTouch(rounds, env = {}) {
  const out = execFileSync(process.execPath, ['-e', TOUCH, String(rounds)], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return Number(out.trim());
}

/** GFLOP/s of a peak loop (`peak` f32x4: 8 flops per chain and step; `peak64` f64x2: 4). */
function peakGflops(run, flopsPerStep, rounds) {
  const iters = 2_000_000;
  for (let q = 0; q < 5; q++) run(100_000);
  const times = [];
  for (let q = 0; q < rounds; q++) {
    const t0 = performance.now();
    run(iters);
    times.push(performance.now() - t0);
  }
  return (iters * CHAINS * flopsPerStep) / (median(times) * 1e6);
}

function bandwidth(rounds) {
  const n = 32 * 1024 * 1024; // 256 MiB of Float64
  const src = new Float64Array(n);
  const dst = new Float64Array(n);
  for (let k = 0; k < n; k++) src[k] = k & 1023;
  dst.set(src);
  const copy = [];
  const read = [];
  let sink = 0;
  for (let q = 0; q < rounds; q++) {
    let t0 = performance.now();
    dst.set(src);
    copy.push(performance.now() - t0);
    t0 = performance.now();
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let k = 0; k < n; k += 4) {
      s0 += src[k];
      s1 += src[k + 1];
      s2 += src[k + 2];
      s3 += src[k + 3];
    }
    read.push(performance.now() - t0);
    sink += s0 + s1 + s2 + s3;
  }
  const bytes = n * 8;
  return {
    copyGBs: (2 * bytes) / (median(copy) * 1e6),
    readGBs: bytes / (median(read) * 1e6),
    checksum: sink,
  };
}

/** Measure everything; `quick` takes fewer rounds. */
export async function measureLimits(quick) {
  const w = probes();
  const rounds = quick ? 5 : 15;
  const bw = bandwidth(quick ? 3 : 7);
  return {
    expElementsPerNs: expRate(w, rounds),
    expTwoThreadSpeedup: await expScaling(w, rounds),
    expMaxRelError: expError(w),
    simdPeakGflops: peakGflops(w.peak, 8, rounds),
    simdPeak64Gflops: peakGflops(w.peak64, 4, rounds),
    copyGBs: bw.copyGBs,
    readGBs: bw.readGBs,
    firstTouchMsPer100MiB: firstTouch(quick ? 3 : 9),
    firstTouchHugeMsPer100MiB: firstTouch(quick ? 3 : 9, {
      GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1',
    }),
  };
}
