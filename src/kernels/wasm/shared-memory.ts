/**
 * The shared-memory variant of a kernel build, derived from its plain-memory bytes.
 *
 * asc's `--sharedMemory --maximumMemory N` builds differ from the plain builds in
 * one place only: the imported memory's limits in the import section (flags 0x00,
 * min → flags 0x03 "shared, with a maximum", min, max). So only the plain builds are
 * embedded, and this rewrites that one entry; scripts/gen-wasm.mjs records the
 * SHA-256 of asc's own shared builds, and the tests check that the rewrite gives
 * them byte for byte.
 *
 * Binary format (WebAssembly core spec §5.5): a module is the 8-byte header, then
 * sections `id:u8 size:u32 content`; the import section (id 2) is a vector of
 * `module:name field:name kind:u8 desc`, a memory's desc (kind 2) being its limits.
 * Integers are unsigned LEB128.
 */
import { SoftmaxKitError } from '../../tensor/errors.js';

const IMPORT_SECTION = 2;
const KIND_MEMORY = 2;
const SHARED_WITH_MAX = 3;

function readLeb(b: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  let byte: number;
  do {
    byte = b[at++]!;
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

function leb(value: number): number[] {
  const out: number[] = [];
  do {
    const low = value % 128;
    value = Math.floor(value / 128);
    out.push(value > 0 ? low | 0x80 : low);
  } while (value > 0);
  return out;
}

/** Skip a name (length-prefixed bytes). */
const skipName = (b: Uint8Array, at: number) => {
  const [n, next] = readLeb(b, at);
  return next + n;
};

/** Skip one import's description (kinds: 0 function, 1 table, 2 memory, 3 global, 4 tag). */
function skipDesc(b: Uint8Array, kind: number, at: number): number {
  if (kind === 0) return readLeb(b, at)[1];
  if (kind === 3) return at + 2;
  if (kind === 4) return readLeb(b, at + 1)[1];
  if (kind === 1) at++; // the table's element type, then limits like a memory's
  const flags = b[at++]!;
  at = readLeb(b, at)[1];
  return flags & 1 ? readLeb(b, at)[1] : at;
}

/**
 * The module `bytes` with its plain imported memory declared shared, with at most
 * `maxPages` pages. Throws BACKEND_UNAVAILABLE if the module imports no plain memory.
 */
export function withSharedMemory(bytes: Uint8Array, maxPages: number): Uint8Array<ArrayBuffer> {
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at]!;
    const [size, start] = readLeb(bytes, at + 1);
    const end = start + size;
    if (id === IMPORT_SECTION) {
      let [count, p] = readLeb(bytes, start);
      for (; count > 0; count--) {
        p = skipName(bytes, skipName(bytes, p));
        const kind = bytes[p++]!;
        if (kind === KIND_MEMORY && bytes[p] === 0) {
          const [min, limitsEnd] = readLeb(bytes, p + 1);
          const limits = [SHARED_WITH_MAX, ...leb(min), ...leb(maxPages)];
          const content = [
            ...bytes.subarray(start, p),
            ...limits,
            ...bytes.subarray(limitsEnd, end),
          ];
          const out = new Uint8Array(
            bytes.length - (end - at) + 1 + leb(content.length).length + content.length,
          );
          out.set(bytes.subarray(0, at));
          out.set([IMPORT_SECTION, ...leb(content.length), ...content], at);
          out.set(bytes.subarray(end), out.length - (bytes.length - end));
          return out;
        }
        p = skipDesc(bytes, kind, p);
      }
    }
    at = end;
  }
  throw new SoftmaxKitError(
    'BACKEND_UNAVAILABLE',
    'initWasm: expected a kernel build importing a plain memory, got none',
  );
}
