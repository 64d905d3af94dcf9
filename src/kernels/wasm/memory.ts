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
 */
import { SoftmaxKitError } from '../../tensor/errors.js';
import type { FloatArray } from '../../tensor/types.js';
import { HEAP_BASE, onWasmLoaded, type WasmKernels, wasmKernels } from './load.js';

const ALIGN = 64;
const PAGE = 65536;
/** Bytes kept free above the arrays so in-place calls need no growth (their row flags). */
export const RESERVE = 1 << 20;

interface Block {
  offset: number;
  bytes: number;
  free: boolean;
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
export function heapTop(): number {
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
  if (k.sharedMemory || (!pinned && blocks.length === 0)) return want;
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
  const k = requireKernels('wasmArray');
  if (!Number.isInteger(length) || length < 0)
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `wasmArray: expected length to be a non-negative integer, got ${length}`,
    );
  if (type !== Float32Array && type !== Float64Array)
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      'wasmArray: expected type Float32Array or Float64Array, got another constructor',
    );
  const bytes = align(Math.max(1, length * type.BYTES_PER_ELEMENT));
  let block = blocks.find((b) => b.free && b.bytes >= bytes);
  if (block) {
    if (block.bytes > bytes) {
      const rest = { offset: block.offset + bytes, bytes: block.bytes - bytes, free: true };
      blocks.splice(blocks.indexOf(block) + 1, 0, rest);
      block.bytes = bytes;
    }
    block.free = false;
  } else {
    block = { offset: heapTop(), bytes, free: false };
    ensureBytes(k, block.offset + bytes + RESERVE, false);
    blocks.push(block);
  }
  const view = new type(k.memory.buffer, block.offset, length);
  view.fill(0);
  return view as InstanceType<T>;
}

/** Release an array from `wasmArray` (its memory may be handed out again). */
export function freeWasmArray(a: FloatArray): void {
  const i = blocks.findIndex((b) => b.offset === a.byteOffset && !b.free);
  if (i < 0 || !buffers.has(a.buffer))
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      'freeWasmArray: expected an array from wasmArray, got another array',
    );
  blocks[i]!.free = true;
  // merge free neighbours, then drop free blocks at the top
  const merged: Block[] = [];
  for (const b of blocks) {
    const prev = merged[merged.length - 1];
    if (prev?.free && b.free) prev.bytes += b.bytes;
    else merged.push({ ...b });
  }
  while (merged.length && merged[merged.length - 1]!.free) merged.pop();
  blocks = merged;
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
