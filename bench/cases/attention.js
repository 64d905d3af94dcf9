/**
 * Scaled dot-product attention, Float32, batch 1, 8 heads, dim 64:
 * forward and forward + backward at 1,024 and 4,096 tokens (causal and not),
 * and decoding (1 query against 32,768 keys).
 * Candidates: softmax-kit `attention` / `attentionVjp` (decoding also with 2 threads:
 * flash-decoding splits the keys across the worker pool); a materialized plain-JS
 * implementation (scores per head in a float64 buffer); TF.js wasm
 * (matMul → softmax → matMul per head, tf.valueAndGrads for the backward).
 * GFLOP/s counts the products over visible (query, key) pairs: forward 4·d per
 * pair (QKᵀ and PV), forward + backward 14·d per pair (the forward's two products
 * and the backward's five: recomputed QKᵀ, dV, dP, dQ, dK).
 * Error: max |Δ| / max |ref| of out (and of dq, dk, dv) over head 0, against the
 * plain-JS path run on head 0's inputs in float64.
 */
import { normalArray } from '../lib/data.js';
import { addTried, libFunction, loadSoftmaxKit, loadTf, withThreads } from '../lib/peers.js';
import { interleave } from '../lib/stats.js';

const HEADS = 8;
const DIM = 64;

export const ids = (quick) => [
  ...(quick ? [] : ['attention/t1024', 'attention/t4096']),
  'attention/decode-32768',
];

/** Plain-JS attention for one head: out (queries × dim), with P kept for the backward. */
function headForward(q, k, v, o, Q, K, d, causal, scale, out, keepP) {
  const P = new Float64Array(Q * K);
  const acc = new Float64Array(d);
  const shift = K - Q; // causal aligned to the last keys
  for (let i = 0; i < Q; i++) {
    const last = causal ? i + shift : K - 1;
    let m = Number.NEGATIVE_INFINITY;
    for (let j = 0; j <= last; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += q[o.q + i * d + c] * k[o.k + j * d + c];
      s *= scale;
      P[i * K + j] = s;
      if (s > m) m = s;
    }
    let l = 0;
    for (let j = 0; j <= last; j++) {
      const e = Math.exp(P[i * K + j] - m);
      P[i * K + j] = e;
      l += e;
    }
    acc.fill(0);
    for (let j = 0; j <= last; j++) {
      const p = P[i * K + j] / l;
      P[i * K + j] = p;
      for (let c = 0; c < d; c++) acc[c] += p * v[o.k + j * d + c];
    }
    for (let c = 0; c < d; c++) out[o.q + i * d + c] = acc[c];
  }
  return keepP ? P : undefined;
}

/** Materialized attention over all heads; with dOut, also dq, dk, dv. */
export function plainAttention(q, k, v, dOut, { heads, queries: Q, keys: K, dim: d, causal }) {
  const T = q.constructor;
  const scale = 1 / Math.sqrt(d);
  const out = new T(q.length);
  const grads = dOut
    ? { dq: new T(q.length), dk: new T(k.length), dv: new T(v.length) }
    : undefined;
  const shift = K - Q;
  for (let h = 0; h < heads; h++) {
    const o = { q: h * Q * d, k: h * K * d };
    const P = headForward(q, k, v, o, Q, K, d, causal, scale, out, !!dOut);
    if (!dOut) continue;
    const { dq, dk, dv } = grads;
    for (let i = 0; i < Q; i++) {
      const last = causal ? i + shift : K - 1;
      // dP = dO·Vᵀ; dS = P ⊙ (dP − rowsum(dO ⊙ O)); dV += Pᵀ·dO
      let delta = 0;
      for (let c = 0; c < d; c++) delta += dOut[o.q + i * d + c] * out[o.q + i * d + c];
      for (let j = 0; j <= last; j++) {
        const p = P[i * K + j];
        let dp = 0;
        for (let c = 0; c < d; c++) {
          dp += dOut[o.q + i * d + c] * v[o.k + j * d + c];
          dv[o.k + j * d + c] += p * dOut[o.q + i * d + c];
        }
        const ds = p * (dp - delta) * scale;
        for (let c = 0; c < d; c++) {
          dq[o.q + i * d + c] += ds * k[o.k + j * d + c];
          dk[o.k + j * d + c] += ds * q[o.q + i * d + c];
        }
      }
    }
  }
  return { out, ...grads };
}

/**
 * TF.js attention head by head (matMul → softmax → matMul on [tokens, dim]
 * tensors; all 8 heads at once as one [8, 4096, 4096] batch exhaust the wasm
 * heap in the backward); `backward` is tf.valueAndGrads with dOut as the upstream.
 */
function tfAttention(T, q, k, v, dOut, { heads, queries: Q, keys: K, dim: d, causal }) {
  const slice = (a, rows, h) => T.tensor2d(a.subarray(h * rows * d, (h + 1) * rows * d), [rows, d]);
  const per = Array.from({ length: heads }, (_, h) => ({
    q: slice(q, Q, h),
    k: slice(k, K, h),
    v: slice(v, K, h),
    dOut: slice(dOut, Q, h),
  }));
  let bias;
  if (causal) {
    const b = new Float32Array(Q * K);
    for (let i = 0; i < Q; i++) for (let j = i + K - Q + 1; j < K; j++) b[i * K + j] = -1e30;
    bias = T.tensor2d(b, [Q, K]);
  }
  const scale = T.scalar(1 / Math.sqrt(d));
  const f = (a, b, c) => {
    let s = T.mul(T.matMul(a, b, false, true), scale);
    if (bias) s = T.add(s, bias);
    return T.matMul(T.softmax(s), c);
  };
  const vg = T.valueAndGrads(f);
  const read = (t, into, at) => {
    into.set(t.dataSync(), at);
    t.dispose();
  };
  const forward = () => {
    const out = new Float32Array(q.length);
    for (const [h, x] of per.entries())
      read(
        T.tidy(() => f(x.q, x.k, x.v)),
        out,
        h * Q * d,
      );
    return { out };
  };
  return {
    forward,
    backward: () => {
      const r = {
        out: new Float32Array(q.length),
        dq: new Float32Array(q.length),
        dk: new Float32Array(k.length),
        dv: new Float32Array(v.length),
      };
      for (const [h, x] of per.entries()) {
        const { value, grads } = vg([x.q, x.k, x.v], x.dOut);
        const [dq, dk, dv] = grads;
        read(value, r.out, h * Q * d);
        read(dq, r.dq, h * Q * d);
        read(dk, r.dk, h * K * d);
        read(dv, r.dv, h * K * d);
      }
      return r;
    },
  };
}

/** max |Δ| / max |ref| over ref's length (head 0 is the leading slice). */
function normwise(got, ref) {
  let d = 0;
  let s = 0;
  for (let k = 0; k < ref.length; k++) {
    d = Math.max(d, Math.abs(got[k] - ref[k]));
    s = Math.max(s, Math.abs(ref[k]));
  }
  return d / s;
}

function pairs(Q, K, causal) {
  if (!causal) return Q * K;
  let p = 0;
  for (let i = 0; i < Q; i++) p += Math.min(K, i + K - Q + 1);
  return p;
}

export async function run(id, { quick }) {
  const name = id.split('/')[1];
  const decode = name.startsWith('decode');
  const K = Number(name.replace(/\D+/g, ''));
  const Q = decode ? 1 : K;
  const kit = await loadSoftmaxKit();
  const tf = await loadTf();
  const q = normalArray(Float32Array, HEADS * Q * DIM, 11, 1);
  const k = normalArray(Float32Array, HEADS * K * DIM, 12, 1);
  const v = normalArray(Float32Array, HEADS * K * DIM, 13, 1);
  const dOut = normalArray(Float32Array, HEADS * Q * DIM, 14, 1);
  const att = libFunction(kit.lib, 'attention');
  const vjp = libFunction(kit.lib, 'attentionVjp');
  const big = K >= 4096 && !decode;
  const tables = [];
  for (const causal of decode ? [false] : [false, true]) {
    const shape = { heads: HEADS, queries: Q, keys: K, dim: DIM, causal };
    const opts = { batch: 1, ...shape };
    const list = [];
    const skipped = [];
    // The trial call (untimed) runs on the first 256 tokens of each head: cheap at any size.
    const few = decode ? Q : 256;
    const small = { ...opts, queries: few, keys: few };
    const part = (a, rows) => a.subarray(0, HEADS * rows * DIM);
    const [qs, ks, vs, ds] = [part(q, few), part(k, few), part(v, few), part(dOut, few)];
    if (att.ok)
      await addTried(list, skipped, {
        name: 'softmax-kit forward',
        run: () => att.fn(q, k, v, opts),
        trial: () => att.fn(qs, ks, vs, small),
      });
    else skipped.push(att.why);
    // flash-decoding: the keys' chunks split across the caller and one worker
    if (att.ok && decode && kit.threads.ok)
      await addTried(list, skipped, {
        name: 'softmax-kit forward 2 threads',
        run: () => att.fn(q, k, v, opts),
        ...withThreads(kit.lib, 2),
      });
    else if (decode && !kit.threads.ok)
      skipped.push(`softmax-kit forward 2 threads: ${kit.threads.why}`);
    if (att.ok && vjp.ok && !decode)
      await addTried(list, skipped, {
        name: 'softmax-kit forward+backward',
        run: () => ({ ...att.fn(q, k, v, opts), ...vjp.fn(q, k, v, dOut, opts) }),
        trial: () => vjp.fn(qs, ks, vs, ds, small),
        // At 4,096 tokens a forward + backward takes about a minute: one timed run.
        ...(big ? { rounds: 1 } : {}),
      });
    else if (!decode && att.ok) skipped.push(vjp.why);
    // The materialized plain-JS path takes minutes at 4,096 tokens: one timed forward
    // there, and its forward + backward only at 1,024 tokens.
    const plainRounds = { rounds: big ? 1 : 3 };
    list.push({
      name: 'plain JS forward',
      run: () => plainAttention(q, k, v, undefined, shape),
      ...plainRounds,
    });
    if (!decode && !big)
      list.push({
        name: 'plain JS forward+backward',
        run: () => plainAttention(q, k, v, dOut, shape),
        ...plainRounds,
      });
    else if (big)
      skipped.push('plain JS forward+backward at 4,096 tokens: not run (minutes per call)');
    if (tf.status.wasm.ok) {
      await tf.tf.setBackend('wasm');
      const t = tfAttention(tf.tf, q, k, v, dOut, shape);
      // At 4,096 tokens TF.js takes tens of seconds per call: one timed run each.
      const tfRounds = big ? { rounds: 1 } : {};
      list.push({ name: 'TF.js wasm forward', run: t.forward, ...tfRounds });
      // TF.js materializes every score, masked or not: its causal forward + backward costs
      // what the non-causal one does (over a minute at 4,096 tokens): there only that one runs.
      if (!decode && !(big && causal))
        list.push({ name: 'TF.js wasm forward+backward', run: t.backward, ...tfRounds });
      else if (big)
        skipped.push(
          'TF.js wasm causal forward+backward at 4,096 tokens: not run (same cost as non-causal)',
        );
    } else skipped.push(`TF.js wasm: ${tf.status.wasm.why}`);
    // Float64 reference for head 0 (the plain-JS math in double precision); errors are scored there.
    const h0 = (a, rows) => Float64Array.from(a.subarray(0, rows * DIM));
    const ref = plainAttention(h0(q, Q), h0(k, K), h0(v, K), h0(dOut, Q), { ...shape, heads: 1 });
    const rounds = decode ? (quick ? 5 : 15) : 3;
    // At 4,096 tokens the trial call above is the kernels' warm-up; the peers need none.
    const { times, outputs } = await interleave(list, { warmup: big ? 0 : 1, rounds });
    const fwdFlops = 4 * DIM * HEADS * pairs(Q, K, causal);
    const candidates = list.map((c) => {
      const y = outputs[c.name];
      const backward = c.name.endsWith('backward');
      const flops = backward ? 3.5 * fwdFlops : fwdFlops;
      const errs = [normwise(y.out, ref.out)];
      if (backward)
        errs.push(normwise(y.dq, ref.dq), normwise(y.dk, ref.dk), normwise(y.dv, ref.dv));
      return {
        name: c.name,
        ...times[c.name],
        gflops: flops / (times[c.name].medianMs * 1e6),
        maxError: Math.max(...errs),
      };
    });
    tables.push({ causal, candidates, skipped });
  }
  return { id, heads: HEADS, queries: Q, keys: K, dim: DIM, decode, tables };
}
