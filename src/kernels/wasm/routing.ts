/**
 * The 'wasm' backend's token-choice routing (assembly/routing.ts route_f32;
 * ../routing-rows.ts routeRows is the reference), Float32 logits only: chunks of rows
 * copied into scratch, then one kernel call per chunk — per batch of rows the softmax
 * scores by the softmax kernel (the kernel the reference's softmax runs, so the same
 * scores bit for bit) or the sigmoid, then per token the keys, the group limit, the
 * top-k, the picked scores and, when asked, the gate weights; the scores, indices,
 * picked scores, weights and flags copied back (scores and picked scores only when kept). False (nothing done) for Float64
 * logits, for weights not Float32, or when the scratch does not fit.
 */
import type { RouteRowsArgs } from '../kernel-args.js';
import { wasmKernels } from './load.js';
import { fitScratch, inWasm, scratch } from './memory.js';

/** Elements per chunk (256 KiB of Float32 logits, as much of scores). */
const CHUNK = 1 << 16;

/** Backend.routeRows on the 'wasm' backend: the fused token-choice routing pass. */
export function wasmRouteRows(a: RouteRowsArgs): boolean {
  const k = wasmKernels();
  const { x, rows, experts: n, k: kk, gate } = a;
  if (!k || !(x instanceof Float32Array)) return false;
  if (gate && !(gate.weights instanceof Float32Array)) return false;
  const ex = k.exports;
  const cr = Math.max(1, Math.min(rows, Math.floor(CHUNK / n)));
  const sc = scratch();
  const bx = sc.take(cr * n * 4);
  const bs = sc.take(cr * n * 4);
  const bi = sc.take(cr * kk * 4);
  const bp = sc.take(cr * kk * 8);
  const bw = gate ? sc.take(cr * kk * 4) : 0;
  const bf = sc.take(cr);
  const bb = a.bias ? sc.take(n * 8) : 0;
  const work = sc.take(ex.routeWorkBytes(n, a.groups));
  const arrays = [x, a.scores, a.indices, a.picked, gate?.weights];
  const pinned = arrays.some((v) => v !== undefined && inWasm(v));
  if (!fitScratch(k, sc, bx, pinned)) return false;
  const buf = k.memory.buffer;
  if (a.bias) new Float64Array(buf, bb, n).set(a.bias);
  const sig = a.sigmoid ? 1 : 0;
  const renorm = gate?.renormalize ? 1 : 0;
  const scale = gate?.scale ?? 1;
  for (let r0 = 0; r0 < rows; r0 += cr) {
    const t = Math.min(cr, rows - r0);
    new Float32Array(buf, bx, t * n).set(x.subarray(r0 * n, (r0 + t) * n));
    ex.route_f32(
      bx,
      bs,
      t,
      n,
      kk,
      sig,
      bb,
      a.groups,
      a.groupTop,
      bi,
      bp,
      bw,
      renorm,
      scale,
      bf,
      work,
    );
    a.scores?.set(new Float32Array(buf, bs, t * n), r0 * n);
    a.indices.set(new Int32Array(buf, bi, t * kk), r0 * kk);
    a.picked?.set(new Float64Array(buf, bp, t * kk), r0 * kk);
    if (gate) gate.weights.set(new Float32Array(buf, bw, t * kk), r0 * kk);
    a.flags.set(new Uint8Array(buf, bf, t), r0);
  }
  return true;
}
