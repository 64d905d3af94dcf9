/**
 * A reader for NumPy's `.npy` format (numpy.lib.format, format versions 1.0,
 * 2.0 and 3.0), as much of it as `softmax-kit calibrate` needs:
 *   bytes 0–5  magic "\x93NUMPY";  6, 7  major, minor version
 *   then the header length: uint16 little-endian (1.0) or uint32 (2.0, 3.0)
 *   then the header: a Python dict literal, ASCII (1.0, 2.0) or UTF-8 (3.0),
 *     {'descr': '<f8', 'fortran_order': False, 'shape': (rows, classes), }
 *   then the data, C order, `descr`'s element type.
 * Read: little-endian '<f4', '<f8' (floats) and '<i4', '<i8' (integers; an
 * '<i8' beyond ±2^53 is refused), C order. Refused with a message that says what
 * was expected and what was found: a wrong magic or version, big-endian ('>'),
 * any other type (object arrays '|O' among them), Fortran order, a header that
 * is not such a dict, fewer data bytes than the shape needs.
 */
import { InputFileError } from './input-file-error.js';

/** An array read from a .npy file: its values in double, its shape, and whether it held integers. */
export interface NpyArray {
  readonly data: Float64Array;
  readonly shape: readonly number[];
  readonly integer: boolean;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const TYPES: Readonly<Record<string, { size: number; integer: boolean }>> = {
  '<f4': { size: 4, integer: false },
  '<f8': { size: 8, integer: false },
  '<i4': { size: 4, integer: true },
  '<i8': { size: 8, integer: true },
};

/** The header dict's three keys, read from its Python literal. */
function parseHeader(text: string, file: string) {
  const bad = (what: string, found: string) =>
    new InputFileError(`${file}: expected ${what} in the .npy header, got ${found}`);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  if (descr === undefined) throw bad("a 'descr' string", JSON.stringify(text.trim()));
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  if (fortran === undefined)
    throw bad("'fortran_order': True or False", JSON.stringify(text.trim()));
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (shape === undefined) throw bad("a 'shape' tuple", JSON.stringify(text.trim()));
  const dims = shape
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => (/^\d+$/.test(s) ? Number(s) : Number.NaN));
  if (dims.some((d) => !Number.isSafeInteger(d)))
    throw bad('a shape of non-negative integers', `(${shape})`);
  if (descr.startsWith('>'))
    throw bad("little-endian data ('<f4', '<f8', '<i4' or '<i8')", `big-endian '${descr}'`);
  if (TYPES[descr] === undefined)
    throw bad(
      "the type '<f4', '<f8', '<i4' or '<i8'",
      `'${descr}'${descr.includes('O') ? ' (an object array)' : ''}`,
    );
  if (fortran === 'True') throw bad("C order ('fortran_order': False)", 'Fortran order');
  return { type: TYPES[descr]!, descr, dims };
}

/** Read a .npy file's bytes. Throws InputFileError naming `file` for anything it does not read. */
export function readNpy(bytes: Uint8Array, file: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b))
    throw new InputFileError(
      `${file}: expected a .npy file (starting "\\x93NUMPY"), got other bytes`,
    );
  const major = bytes[6]!;
  if (major < 1 || major > 3)
    throw new InputFileError(
      `${file}: expected .npy format version 1.0, 2.0 or 3.0, got ${major}.${bytes[7]}`,
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lengthBytes + headerLength;
  if (start > bytes.length)
    throw new InputFileError(
      `${file}: expected a header of ${headerLength} bytes, got ${bytes.length - 8 - lengthBytes}`,
    );
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(8 + lengthBytes, start),
  );
  const { type, descr, dims } = parseHeader(header, file);
  const count = dims.reduce((a, b) => a * b, 1);
  if (bytes.length - start < count * type.size)
    throw new InputFileError(
      `${file}: expected ${count * type.size} data bytes for shape (${dims.join(', ')}) of '${descr}', got ${bytes.length - start}`,
    );
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const at = start + i * type.size;
    if (descr === '<f4') data[i] = view.getFloat32(at, true);
    else if (descr === '<f8') data[i] = view.getFloat64(at, true);
    else if (descr === '<i4') data[i] = view.getInt32(at, true);
    else {
      const v = view.getBigInt64(at, true);
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER))
        throw new InputFileError(
          `${file}: expected '<i8' values within ±2^53 (exact in a double), got ${v} at index ${i}`,
        );
      data[i] = Number(v);
    }
  }
  return { data, shape: dims, integer: type.integer };
}
