/**
 * The WebAssembly memory: arrays the caller keeps there (zero-copy) and the
 * per-call scratch the kernels copy ordinary arrays into.
 *
 * Layout: [0, HEAP_BASE) the module's constants and per-thread scratch (load.ts);
 * then the caller's arrays (first-fit blocks, 64-byte aligned); scratch starts at the top of the last
 * block and lives for one synchronous call. A call whose arguments all live in
 * the memory (`x.buffer === memory.buffer`) runs in place with no copy.
 *
 * Growth: a shared memory (Node; cross-origin-isolated pages) never detaches its
 * views when it grows. A plain memory does, so while a plain memory holds arrays
 * from `wasmArray` (or a call's arguments), calls never grow it: they copy in
 * smaller chunks of rows, and a single row too long for the free space goes to
 * the JavaScript kernels. `wasmArray` keeps RESERVE bytes free above the arrays
 * for the in-place calls' flags. When `wasmArray` itself grows a plain memory,
 * earlier views are detached: take all the arrays you need first.
 *
 * Freed blocks and stale views: a view cannot be revoked, so a block freed by
 * `freeWasmArray` is quarantined — handed out again only once the freed view is
 * gone (garbage-collected, seen through a WeakRef, or detached by a plain memory's
 * growth). A write through a freed view therefore lands in memory nobody else
 * holds, never in a later allocation (issue 15: it silently overwrote the next
 * array). The price: memory freed and allocated again within one synchronous run,
 * while the old view is still reachable, is not reused — allocate arrays once and
 * reuse them in loops. Views derived from an array (`subarray`) are not tracked:
 * drop them before freeing.
 *
 * Sizes are checked before allocating: an array that cannot fit in the 4 GiB a
 * WebAssembly memory can address, or a growth the engine refuses, throws
 * INVALID_PARAMETER (not a RangeError).
 */
import { describe, SoftmaxKitError } from '../../tensor/errors.js';
import type { FloatArray } from '../../tensor/types.js';
import { requireNumber } from '../../tensor/validate.js';
import { HEAP_BASE, onWasmLoaded, type WasmKernels, wasmKernels } from './load.js';

const ALIGN = 64;
const PAGE = 65536;
/** The most bytes a 32-bit WebAssembly memory can address (65536 pages). */
const MAX_BYTES = 65536 * PAGE;
/** Bytes kept free above the arrays so in-place calls need no growth (their row flags). */
export const RESERVE = 1 << 20;

interface Block {
  offset: number;
  bytes: number;
  free: boolean;
  /** A freed block's view while it may still be reachable: the block waits (quarantine). */
  stale?: WeakRef<FloatArray>;
}

/** Whether a freed block may be handed out again: its view is collected or detached. */
function reusable(b: Block): boolean {
  if (!b.free) return false;
  const v = b.stale?.deref();
  if (v !== undefined && v.byteLength > 0) return false;
  b.stale = undefined;
  return true;
}

/** Merge neighbouring reusable blocks, then drop reusable blocks at the top. */
function reclaim(): void {
  const merged: Block[] = [];
  for (const b of blocks) {
    const prev = merged[merged.length - 1];
    const ok = reusable(b);
    if (prev !== undefined && ok && reusable(prev)) prev.bytes += b.bytes;
    else merged.push({ ...b });
  }
  while (merged.length && reusable(merged[merged.length - 1]!)) merged.pop();
  blocks = merged;
}

let blocks: Block[] = [];
let owner: WebAssembly.Memory | undefined;
/** Every buffer the live memory has had (a shared memory hands out a new one per growth). */
let buffers = new WeakSet<ArrayBufferLike>();

onWasmLoaded((k) => {
  // a new instance brings a new, empty memory
  if (owner !== k.memory) {
    blocks = [];
    owner = k.memory;
    buffers = new WeakSet([k.memory.buffer]);
  }
});

const align = (b: number) => Math.ceil(b / ALIGN) * ALIGN;

/** First byte above the caller's arrays (where scratch starts). */
function heapTop(): number {
  const last = blocks[blocks.length - 1];
  return last ? last.offset + last.bytes : HEAP_BASE;
}

/**
 * Make the memory at least `end` bytes long. Returns false, without growing, when
 * growing would detach views the call holds (plain memory and `pinned`).
 */
export function ensureBytes(k: WasmKernels, end: number, pinned: boolean): boolean {
  const have = k.memory.buffer.byteLength;
  if (end <= have) return true;
  if (pinned && !k.sharedMemory) return false;
  k.memory.grow(Math.ceil((end - have) / PAGE));
  buffers.add(k.memory.buffer);
  return true;
}

/**
 * Rows per copy chunk: `want`, or fewer so that the scratch (perRow bytes per row
 * plus `fixed`, above the arrays) fits without growing a plain memory that holds
 * views (`pinned`, or any live `wasmArray`). 0 when not even one row fits.
 */
export function chunkRowsFitting(
  k: WasmKernels,
  want: number,
  perRow: number,
  fixed: number,
  pinned: boolean,
): number {
  // freed blocks do not pin the memory: detaching a freed view is harmless (and ends its quarantine)
  if (k.sharedMemory || (!pinned && blocks.every((b) => b.free))) return want;
  const free = k.memory.buffer.byteLength - align(heapTop()) - fixed;
  return Math.max(0, Math.min(want, Math.floor(free / perRow)));
}

/**
 * Whether a call's scratch [start, s.end) is usable: the memory grown to s.end, unless
 * that would grow a plain memory holding views (the call's when `pinned`, or any live
 * `wasmArray`), or the memory cannot grow that far.
 */
export function fitScratch(k: WasmKernels, s: Scratch, start: number, pinned: boolean): boolean {
  // all the scratch as one "row": 0 when a plain memory holding views would have to grow
  if (!chunkRowsFitting(k, 1, s.end - start, 0, pinned)) return false;
  try {
    return ensureBytes(k, s.end, pinned);
  } catch {
    return false; // the memory cannot grow that far
  }
}

function requireKernels(fn: string): WasmKernels {
  const k = wasmKernels();
  if (!k)
    throw new SoftmaxKitError(
      'BACKEND_UNAVAILABLE',
      `${fn}: expected the wasm backend to be loaded (await initWasm()), got none`,
    );
  return k;
}

/**
 * A Float32Array or Float64Array of `length` zeros inside the WebAssembly memory.
 * Functions called with `backend: 'wasm'` (or 'auto') read such arrays and write
 * such `out` arrays in place, with no copy. Release it with `freeWasmArray`.
 *
 * @example
 * const x = wasmArray(Float32Array, 4096);
 * x.set(logits);
 * const y = wasmArray(Float32Array, 4096);
 * softmax(x, { backend: 'wasm', out: y });
 */
export function wasmArray<T extends Float32ArrayConstructor | Float64ArrayConstructor>(
  type: T,
  length: number,
): InstanceType<T> {
  const fn = 'wasmArray';
  const k = requireKernels(fn);
  if (type !== Float32Array && type !== Float64Array)
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `${fn}: expected type Float32Array or Float64Array, got ${typeof type === 'function' ? (type as { name: string }).name : describe(type)}`,
    );
  requireNumber(fn, 'length', length, { integer: true, atLeast: 0 });
  const bytes = align(Math.max(1, length * type.BYTES_PER_ELEMENT));
  reclaim();
  let block = blocks.find((b) => reusable(b) && b.bytes >= bytes);
  if (!block && heapTop() + bytes + RESERVE > MAX_BYTES)
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `${fn}: expected length <= ${Math.max(0, Math.floor((MAX_BYTES - align(heapTop()) - RESERVE) / type.BYTES_PER_ELEMENT))} (what fits in the 4 GiB WebAssembly memory now), got ${length}`,
    );
  if (block) {
    if (block.bytes > bytes) {
      const rest = { offset: block.offset + bytes, bytes: block.bytes - bytes, free: true };
      blocks.splice(blocks.indexOf(block) + 1, 0, rest);
      block.bytes = bytes;
    }
    block.free = false;
  } else {
    block = { offset: heapTop(), bytes, free: false };
    try {
      ensureBytes(k, block.offset + bytes + RESERVE, false);
    } catch {
      throw new SoftmaxKitError(
        'INVALID_PARAMETER',
        `${fn}: expected length ${length} to fit in memory the engine grants, got a refused growth to ${block.offset + bytes + RESERVE} bytes`,
      );
    }
    blocks.push(block);
  }
  const view = new type(k.memory.buffer, block.offset, length);
  view.fill(0);
  return view as InstanceType<T>;
}

/**
 * Release an array from `wasmArray`. Its memory is handed out again once this view
 * is gone (see the module doc), so a write through it after the free never reaches
 * a later array.
 */
export function freeWasmArray(a: FloatArray): void {
  const fn = 'freeWasmArray';
  if (!(a instanceof Float32Array || a instanceof Float64Array))
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `${fn}: expected an array from wasmArray, got ${describe(a)}`,
    );
  const b = blocks.find((b) => b.offset === a.byteOffset && !b.free);
  if (b === undefined || !buffers.has(a.buffer))
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `${fn}: expected an array from wasmArray that is not yet freed, got another array`,
    );
  b.free = true;
  b.stale = new WeakRef(a);
  reclaim();
}

/** Whether `a` is a view of the live WebAssembly memory (usable in place, not detached). */
export function inWasm(a: FloatArray | Int32Array): boolean {
  return buffers.has(a.buffer) && a.buffer.byteLength > 0;
}

/** A bump allocator over the scratch above the caller's arrays, for one call. */
export interface Scratch {
  /** Reserve `bytes` (64-byte aligned); returns the byte address. */
  take(bytes: number): number;
  /** The end of what was taken (for ensureBytes). */
  readonly end: number;
}

/** Start a call's scratch at the top of the caller's arrays. */
export function scratch(): Scratch {
  let next = align(heapTop());
  return {
    take(bytes) {
      const at = next;
      next = align(at + bytes);
      return at;
    },
    get end() {
      return next;
    },
  };
}
