/**
 * A tiny WebAssembly binary writer: just enough to build the machine-limit probes
 * (the SIMD exp loop and the multiply-add peak) as bytes in JavaScript, so the
 * benchmark needs no compiler at run time. Opcodes follow the WebAssembly core
 * and fixed-width SIMD specifications (0xfd-prefixed SIMD opcodes).
 */

/** Unsigned LEB128. */
function uleb(n) {
  const out = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 for 32-bit integers. */
function sleb(n) {
  const out = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

const utf8 = (s) => [...new TextEncoder().encode(s)];
const vec = (items) => [...uleb(items.length), ...items.flat()];
const section = (id, body) => [id, ...uleb(body.length), ...body];

export const T = { i32: 0x7f, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/** Instruction helpers; each returns a byte array. */
export const op = {
  localGet: (i) => [0x20, ...uleb(i)],
  localSet: (i) => [0x21, ...uleb(i)],
  localTee: (i) => [0x22, ...uleb(i)],
  i32Const: (v) => [0x41, ...sleb(v)],
  f32Const: (v) => [0x43, ...new Uint8Array(new Float32Array([v]).buffer)],
  f64Const: (v) => [0x44, ...new Uint8Array(new Float64Array([v]).buffer)],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Eqz: [0x45],
  i32LtU: [0x49],
  f32Add: [0x92],
  f64Add: [0xa0],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  br: (d) => [0x0c, ...uleb(d)],
  brIf: (d) => [0x0d, ...uleb(d)],
  end: [0x0b],
  simd: (code, ...imm) => [0xfd, ...uleb(code), ...imm],
};

/** The SIMD opcodes used here (fixed-width SIMD proposal, final numbering). */
export const simd = {
  load: (offset = 0) => op.simd(0x00, 4, ...uleb(offset)),
  store: (offset = 0) => op.simd(0x0b, 4, ...uleb(offset)),
  i32x4Splat: op.simd(0x11),
  f32x4Splat: op.simd(0x13),
  f32x4ExtractLane: (lane) => op.simd(0x1f, lane),
  f64x2Splat: op.simd(0x14),
  f64x2ExtractLane: (lane) => op.simd(0x21, lane),
  f32x4Nearest: op.simd(0x6a),
  i32x4Shl: op.simd(0xab),
  i32x4Add: op.simd(0xae),
  f32x4Add: op.simd(0xe4),
  f32x4Sub: op.simd(0xe5),
  f32x4Mul: op.simd(0xe6),
  f32x4Pmax: op.simd(0xeb),
  i32x4TruncSatF32x4S: op.simd(0xf8),
  f64x2Add: op.simd(0xf0),
  f64x2Mul: op.simd(0xf2),
};

/**
 * Assemble a module with one exported memory (`memory`, `pages` × 64 KiB) and
 * the given functions: [{ name, params, results, locals: [[count, type]], body }].
 */
export function assemble(functions, pages) {
  const types = functions.map((f) => [
    0x60,
    ...vec(f.params.map((t) => [t])),
    ...vec(f.results.map((t) => [t])),
  ]);
  const code = functions.map((f) => {
    const body = [
      ...vec(f.locals.map(([n, t]) => [...uleb(n), t])),
      ...f.body.flat(Number.POSITIVE_INFINITY),
      0x0b,
    ];
    return [...uleb(body.length), ...body];
  });
  const exports = [
    [...vec(utf8('memory').map((b) => [b])), 0x02, 0],
    ...functions.map((f, i) => [...vec(utf8(f.name).map((b) => [b])), 0x00, ...uleb(i)]),
  ];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(5, vec([[0x00, ...uleb(pages)]])),
    ...section(7, vec(exports)),
    ...section(10, vec(code)),
  ]);
}
