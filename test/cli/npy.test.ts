import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { readNpy } from '../../src/cli/npy.js';
import { randomArray } from '../helpers/finite-difference.js';

/**
 * The test's own .npy writer, from the format's description (numpy.lib.format): magic,
 * version, header length (uint16 for 1.0, uint32 for 2.0/3.0), the dict literal padded
 * with spaces and a newline so the data starts at a multiple of 64, then the bytes.
 */
function npy(
  descr: string,
  shape: number[],
  values: ArrayLike<number>,
  {
    version = 1,
    fortran = false,
    header,
  }: { version?: number; fortran?: boolean; header?: string } = {},
): Uint8Array {
  const dict =
    header ??
    `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const lengthBytes = version === 1 ? 2 : 4;
  const pre = 8 + lengthBytes;
  let text = `${dict}\n`;
  while ((pre + text.length) % 64 !== 0) text = `${text.slice(0, -1)} \n`;
  const size = Number(descr.slice(2));
  const out = new Uint8Array(pre + text.length + values.length * size);
  out.set([0x93, ...Array.from('NUMPY', (c) => c.charCodeAt(0)), version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  for (let i = 0; i < text.length; i++) out[pre + i] = text.charCodeAt(i);
  const little = descr[0] !== '>';
  for (let i = 0, at = pre + text.length; i < values.length; i++, at += size) {
    const v = values[i]!;
    if (descr.endsWith('f4')) view.setFloat32(at, v, little);
    else if (descr.endsWith('f8')) view.setFloat64(at, v, little);
    else if (descr.endsWith('i4')) view.setInt32(at, v, little);
    else view.setBigInt64(at, BigInt(v), little);
  }
  return out;
}

describe('readNpy: .npy versions 1.0, 2.0, 3.0, C order', () => {
  for (const version of [1, 2, 3])
    for (const descr of ['<f4', '<f8', '<i4', '<i8'])
      it(`version ${version}.0, '${descr}'`, () => {
        const integer = descr[1] === 'i';
        const v = randomArray(12, version * 7 + descr.length, -50, 50).map((x) =>
          integer ? Math.round(x) : x,
        );
        const got = readNpy(npy(descr, [3, 4], v, { version }), 'a.npy');
        expect(got.shape).toEqual([3, 4]);
        expect(got.integer).toBe(integer);
        const want = descr === '<f4' ? Array.from(Float32Array.from(v)) : Array.from(v);
        expect(Array.from(got.data)).toEqual(want);
      });
  it('a 1-D shape (n,), a scalar shape (), −∞ and a big int64', () => {
    expect(readNpy(npy('<i8', [2], [2 ** 52, -3]), 'l.npy').data).toEqual(
      Float64Array.from([2 ** 52, -3]),
    );
    const s = readNpy(npy('<f8', [], [-Infinity]), 's.npy');
    expect(s.shape).toEqual([]);
    expect(s.data[0]).toBe(-Infinity);
  });
  it('refuses what it does not read, saying what it expected and what it found', () => {
    const cases: [Uint8Array, RegExp][] = [
      [
        npy('<f8', [2, 2], [1, 2, 3, 4], { fortran: true }),
        /expected C order .* got Fortran order/,
      ],
      [npy('>f8', [2], [1, 2]), /expected little-endian .* got big-endian '>f8'/],
      [
        npy('<f8', [1], [0], {
          header: "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }",
        }),
        /got '\|O' \(an object array\)/,
      ],
      [
        npy('<f8', [1], [0], {
          header: "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }",
        }),
        /expected the type '<f4', '<f8', '<i4' or '<i8' .* got '<c16'/,
      ],
      [npy('<f8', [3, 2], [1, 2, 3]), /expected 48 data bytes for shape \(3, 2\) of '<f8', got 24/],
      [npy('<f8', [1], [0], { header: '{}' }), /expected a 'descr' string/],
      [new TextEncoder().encode('label,a,b\n0,1,2\n'), /expected a \.npy file/],
      [
        npy('<f8', [1], [0], { version: 4 }),
        /expected \.npy format version 1\.0, 2\.0 or 3\.0, got 4\.0/,
      ],
      [npy('<i8', [1], [2 ** 60]), /within ±2\^53/],
    ];
    for (const [bytes, message] of cases) expect(() => readNpy(bytes, 'x.npy')).toThrow(message);
  });
});

describe('softmax-kit calibrate logits.npy --labels labels.npy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'softmax-kit-npy-'));
  const rows = 200;
  const k = 4;
  const z = randomArray(rows * k, 9, -1, 1);
  const labels = Array.from({ length: rows }, (_, r) => r % k);
  const logits = z.map((v, i) => 6 * (v + (i % k === labels[Math.floor(i / k)] ? 0.5 : 0)));
  const capture = (argv: string[]) => {
    const lines: string[] = [];
    const code = run(argv, (l) => lines.push(l));
    return { code, text: lines.join('\n') };
  };

  it('fits the same temperature as the CSV of the same numbers', () => {
    writeFileSync(join(dir, 'logits.npy'), npy('<f8', [rows, k], logits, { version: 2 }));
    writeFileSync(join(dir, 'labels.npy'), npy('<i8', [rows], labels));
    const csv = labels.map((y, r) => [y, ...logits.subarray(r * k, r * k + k)].join(','));
    writeFileSync(join(dir, 'same.csv'), `${csv.join('\n')}\n`);
    const a = capture([
      'calibrate',
      join(dir, 'logits.npy'),
      '--labels',
      join(dir, 'labels.npy'),
      '--out',
      join(dir, 'npy'),
    ]);
    const b = capture(['calibrate', join(dir, 'same.csv'), '--out', join(dir, 'csv')]);
    expect(a.code).toBe(0);
    expect(a.text).toContain(`${rows} rows × ${k} classes`);
    expect(/T = (\S+)/.exec(a.text)![1]).toBe(/T = (\S+)/.exec(b.text)![1]);
    expect(Number(/T = (\S+)/.exec(a.text)![1])).toBeGreaterThan(1);
  });

  it('wrong shapes and types are clear errors (status 2)', () => {
    const write = (name: string, bytes: Uint8Array) => {
      writeFileSync(join(dir, name), bytes);
      return join(dir, name);
    };
    const x = write('x.npy', npy('<f4', [rows, k], logits));
    const cases: [string[], RegExp][] = [
      [[x], /expected --labels <labels\.npy> with a \.npy file of logits, got none/],
      [
        [x, '--labels', write('short.npy', npy('<i4', [rows - 1], labels.slice(1)))],
        /expected a 1-D integer array of 200 labels .* got integers of shape \(199\)/,
      ],
      [
        [x, '--labels', write('float.npy', npy('<f8', [rows], labels))],
        /got floats of shape \(200\)/,
      ],
      [
        [
          x,
          '--labels',
          write(
            'big.npy',
            npy(
              '<i4',
              [rows],
              labels.map((v) => v + 1),
            ),
          ),
        ],
        /labels\[3\] to be a class index in \[0, 4\), got 4/,
      ],
      [
        [write('flat.npy', npy('<f8', [rows * k], logits)), '--labels', join(dir, 'labels.npy')],
        /expected logits as a non-empty 2-D float array \[rows, classes\], got floats of shape \(800\)/,
      ],
    ];
    for (const [args, message] of cases) {
      const { code, text } = capture(['calibrate', ...args, '--out', join(dir, 'bad')]);
      expect(code).toBe(2);
      expect(text).toMatch(message);
    }
  });
});
