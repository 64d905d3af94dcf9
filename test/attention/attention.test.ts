import { describe, expect, it } from 'vitest';
import { type AttentionOptions, attention, attentionVjp } from '../../src/attention/attention.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import { type RefOptions, refAttention } from './reference.js';

const dims = { batch: 2, heads: 4, kvHeads: 2, queries: 5, keys: 7, dim: 3, valueDim: 2 };
const n = (o: typeof dims) => ({
  q: o.batch * o.heads * o.queries * o.dim,
  k: o.batch * o.kvHeads * o.keys * o.dim,
  v: o.batch * o.kvHeads * o.keys * o.valueDim,
  out: o.batch * o.heads * o.queries * o.valueDim,
});
const sz = n(dims);
const q = randomArray(sz.q, 1, -2, 2);
const k = randomArray(sz.k, 2, -2, 2);
const v = randomArray(sz.v, 3, -1, 1);
const dOut = randomArray(sz.out, 4);

/** A boolean mask [1, heads, queries, keys] with a few hidden keys and one fully hidden row. */
const boolMask = Uint8Array.from(
  randomArray(dims.heads * dims.queries * dims.keys, 5, 0, 1),
  (x) => (x < 0.3 ? 0 : 1),
);
boolMask.fill(0, 2 * dims.keys, 3 * dims.keys);
const boolShape = [1, dims.heads, dims.queries, dims.keys];
const addMask = randomArray(dims.batch * dims.queries * dims.keys, 6, -1, 1);
addMask[3] = Number.NEGATIVE_INFINITY;
const addShape = [dims.batch, 1, dims.queries, dims.keys];

/** Each case: its attention options and the same for the reference. */
const maskCases: Record<string, { a: Partial<AttentionOptions>; r: Partial<RefOptions> }> = {
  none: { a: {}, r: {} },
  causal: { a: { causal: true }, r: { causal: true } },
  window: { a: { window: 2 }, r: { window: 2 } },
  causalWindow: { a: { causal: true, window: 3 }, r: { causal: true, window: 3 } },
  padding: { a: { keyLengths: [4, 7] }, r: { keyLengths: [4, 7] } },
  boolMask: {
    a: { mask: boolMask, maskShape: boolShape },
    r: { boolMask, maskShape: boolShape },
  },
  additiveMask: {
    a: { mask: addMask, maskShape: addShape },
    r: { addMask, maskShape: addShape },
  },
  alibi: {
    a: { alibiSlopes: [0.5, 0.25, 0.125, 0.0625], causal: true },
    r: { alibiSlopes: [0.5, 0.25, 0.125, 0.0625], causal: true },
  },
  forget: {
    a: { logForget: randomArray(dims.batch * dims.heads * dims.keys, 7, -1, 0), causal: true },
    r: { logForget: randomArray(dims.batch * dims.heads * dims.keys, 7, -1, 0), causal: true },
  },
  queryScale: {
    a: { queryScale: randomArray(dims.batch * dims.heads * dims.queries, 8, 0.5, 2) },
    r: { queryScale: randomArray(dims.batch * dims.heads * dims.queries, 8, 0.5, 2) },
  },
  gate: {
    a: { gate: randomArray(sz.out, 9) },
    r: { gate: randomArray(sz.out, 9) },
  },
};
const sinkCase = { a: { sinks: [0.5, -1, 2, 0.25] }, r: { sinks: [0.5, -1, 2, 0.25] } };

const normalizedKinds = ['softmax', 'ssmax', 'softpick', 'softplusNorm', 'reluNorm'];
/** 'lssar' stands for softplusNorm with LSSAR's re-weighting (power 3). */
const kinds = [...normalizedKinds, 'sigmoid', 'relu', 'sparsemax', 'entmax15', 'lssar'];
const reweight = 3;

function kindOptions(kind: string): Partial<AttentionOptions> {
  return kind === 'lssar'
    ? { normalizer: 'softplusNorm', normalizerOptions: { reweight } }
    : { normalizer: kind };
}

function refKind(kind: string): Partial<RefOptions> {
  return kind === 'lssar' ? { normalizer: 'softplusNorm', reweight } : { normalizer: kind };
}

function run(kind: string, extra: Partial<AttentionOptions>, blockSize = 2) {
  return attention(q, k, v, { ...dims, ...kindOptions(kind), blockSize, ...extra });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let w = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    w = Math.max(w, Math.abs(a[i]! - b[i]!));
  }
  return w;
}

describe('attention forward vs a materialized Float64 reference', () => {
  for (const kind of kinds)
    for (const [name, c] of Object.entries({ ...maskCases, sinks: sinkCase })) {
      if (name === 'sinks' && !normalizedKinds.includes(kind)) continue;
      it(`${kind} × ${name}`, () => {
        const ref = refAttention(q, k, v, { ...dims, ...refKind(kind), ...c.r });
        const got = run(kind, c.a);
        expect(maxAbsDiff(got.out, ref.out)).toBeLessThan(1e-13);
        if (normalizedKinds.includes(kind)) {
          const { lse } = run(kind, { ...c.a, returnLse: true }, 3);
          expect(maxAbsDiff(lse!, ref.lse)).toBeLessThan(1e-13);
        }
      });
    }

  it('causal with queries > keys: the early rows see nothing and give zeros', () => {
    const o = { ...dims, queries: 5, keys: 3 };
    const s = n(o);
    const [qq, kk, vv] = [randomArray(s.q, 11), randomArray(s.k, 12), randomArray(s.v, 13)];
    const { out, lse } = attention(qq, kk, vv, { ...o, causal: true, returnLse: true });
    const ref = refAttention(qq, kk, vv, { ...o, causal: true });
    expect(maxAbsDiff(out, ref.out)).toBeLessThan(1e-13);
    expect(lse![0]).toBe(Number.NEGATIVE_INFINITY);
    expect(out.every((x) => !Number.isNaN(x))).toBe(true);
  });

  it('one block or many, the result agrees to rounding', () => {
    for (const kind of kinds) {
      const a = run(kind, { causal: true }, 1).out;
      const b = run(kind, { causal: true }, 64).out;
      expect(maxAbsDiff(a, b)).toBeLessThan(1e-14);
    }
  });

  it('Float32 inputs: the double result rounded once', () => {
    const [q32, k32, v32] = [Float32Array.from(q), Float32Array.from(k), Float32Array.from(v)];
    for (const kind of kinds) {
      const { out } = attention(q32, k32, v32, { ...dims, ...kindOptions(kind), causal: true });
      expect(out).toBeInstanceOf(Float32Array);
      const ref = refAttention(q32, k32, v32, { ...dims, ...refKind(kind), causal: true });
      for (let i = 0; i < out.length; i++)
        expect(Math.abs(out[i]! - ref.out[i]!)).toBeLessThanOrEqual(
          2 ** -24 * Math.abs(ref.out[i]!) + 1e-12,
        );
    }
  });

  it('huge scores do not overflow (softmax, softpick, ssmax)', () => {
    for (const kind of ['softmax', 'softpick', 'ssmax']) {
      const { out } = attention(q, k, v, { ...dims, normalizer: kind, scale: 50 });
      const ref = refAttention(q, k, v, { ...dims, normalizer: kind, scale: 50 });
      expect(out.every(Number.isFinite)).toBe(true);
      expect(maxAbsDiff(out, ref.out)).toBeLessThan(1e-12);
    }
  });

  it('decoding (one query, a long cache) splits the keys and merges the partial states exactly', () => {
    const o = { batch: 1, heads: 2, kvHeads: 1, queries: 1, keys: 5000, dim: 4, valueDim: 3 };
    const [qq, kk, vv] = [randomArray(8, 31), randomArray(20000, 32), randomArray(15000, 33)];
    for (const kind of ['softmax', 'softpick', 'sigmoid']) {
      const extra = kind === 'sigmoid' ? {} : { sinks: [1, -0.5] };
      const r = refAttention(qq, kk, vv, { ...o, normalizer: kind, scale: 2, ...extra });
      const got = attention(qq, kk, vv, { ...o, normalizer: kind, scale: 2, ...extra });
      // the reference's plain sums over 5,000 keys carry ~n·2^-53 relative error themselves
      expect(maxAbsDiff(got.out, r.out)).toBeLessThan(1e-12);
      if (kind !== 'sigmoid') {
        const { lse } = attention(qq, kk, vv, {
          ...o,
          normalizer: kind,
          scale: 2,
          returnLse: true,
          ...extra,
        });
        expect(maxAbsDiff(lse!, r.lse)).toBeLessThan(1e-12);
      }
    }
  });

  it('stability: a +1e6 additive shift changes nothing; a masked huge score does not set the shift', () => {
    const shifted = attention(q, k, v, { ...dims, mask: new Float64Array(35).fill(1e6) }).out;
    expect(maxAbsDiff(shifted, attention(q, k, v, dims).out)).toBeLessThan(1e-9);
    const kk = Float64Array.from(k);
    kk.fill(1e300, 0, 3); // key 0 of kv head 0: scores ±1e300
    const mask = new Uint8Array(35).fill(1);
    for (let i = 0; i < 5; i++) mask[i * 7] = 0;
    const withHuge = attention(q, kk, v, { ...dims, mask }).out;
    expect(Array.from(withHuge)).toEqual(Array.from(attention(q, k, v, { ...dims, mask }).out));
  });

  it('NaN in one query stays in its row', () => {
    const qq = Float64Array.from(q);
    qq[0] = Number.NaN;
    const { out } = attention(qq, k, v, { ...dims });
    expect(Number.isNaN(out[0]!)).toBe(true);
    expect(out.subarray(dims.valueDim).every(Number.isFinite)).toBe(true);
  });

  it('does not mutate its inputs', () => {
    const [q0, k0, v0] = [Float64Array.from(q), Float64Array.from(k), Float64Array.from(v)];
    attention(q, k, v, { ...dims, causal: true });
    attentionVjp(q, k, v, dOut, { ...dims, causal: true });
    expect([q, k, v]).toEqual([q0, k0, v0]);
  });

  it('number[] inputs give Float64Array', () => {
    const { out } = attention(Array.from(q), Array.from(k), Array.from(v), { ...dims });
    expect(out).toBeInstanceOf(Float64Array);
  });
});

/** Central-difference check of every gradient the vjp returns. */
function checkGrads(kind: string, extra: Partial<AttentionOptions>) {
  const base = { ...dims, ...kindOptions(kind), blockSize: 2, ...extra } as AttentionOptions;
  const g = attentionVjp(q, k, v, dOut, base);
  const f = (o: Partial<AttentionOptions>, qq = q, kk = k, vv = v) =>
    attention(qq, kk, vv, { ...base, ...o }).out;
  const tol = 1e-6;
  expect(
    gradError(
      g.dq,
      fdVjp((x) => f({}, x), q, dOut),
    ),
  ).toBeLessThan(tol);
  expect(
    gradError(
      g.dk,
      fdVjp((x) => f({}, q, x), k, dOut),
    ),
  ).toBeLessThan(tol);
  expect(
    gradError(
      g.dv,
      fdVjp((x) => f({}, q, k, x), v, dOut),
    ),
  ).toBeLessThan(tol);
  const learnable = ['sinks', 'queryScale', 'logForget', 'gate'] as const;
  const gradName = {
    sinks: 'dSinks',
    queryScale: 'dQueryScale',
    logForget: 'dLogForget',
    gate: 'dGate',
  } as const;
  for (const name of learnable) {
    const x0 = extra[name];
    if (x0 === undefined) continue;
    const fd = fdVjp((x) => f({ [name]: x }), Float64Array.from(x0), dOut);
    expect(gradError(g[gradName[name]]!, fd)).toBeLessThan(tol);
  }
}

describe('attentionVjp agrees with central finite differences', () => {
  const gradCases: Record<string, Partial<AttentionOptions>> = {
    plain: {},
    causalQueriesLessThanKeys: { causal: true },
    window: { window: 3, keyLengths: [5, 7] },
    boolMask: maskCases.boolMask!.a,
    additiveMask: maskCases.additiveMask!.a,
    learnable: {
      sinks: [0.5, -1, 2, 0.25],
      queryScale: maskCases.queryScale!.a.queryScale,
      logForget: maskCases.forget!.a.logForget,
      gate: maskCases.gate!.a.gate,
      alibiSlopes: [0.5, 0.25, 0.125, 0.0625],
      causal: true,
    },
  };
  for (const kind of kinds)
    for (const [name, extra] of Object.entries(gradCases)) {
      const e = { ...extra };
      if (!normalizedKinds.includes(kind)) delete e.sinks;
      it(`${kind} × ${name}`, () => checkGrads(kind, e));
    }
});

describe('attention errors', () => {
  const bad = (o: Partial<AttentionOptions>, code: string, args = [q, k, v] as const) => {
    try {
      attention(args[0], args[1], args[2], { ...dims, ...o } as AttentionOptions);
    } catch (e) {
      expect(e).toBeInstanceOf(SoftmaxKitError);
      expect((e as SoftmaxKitError).code).toBe(code);
      return;
    }
    throw new Error('did not throw');
  };
  it('throws with the right codes', () => {
    bad({ queries: 6 }, 'SHAPE_MISMATCH');
    bad({ heads: 3, kvHeads: 2 }, 'INVALID_PARAMETER');
    bad({ dim: 0 }, 'INVALID_PARAMETER');
    bad({ scale: Number.NaN }, 'NON_FINITE_PARAMETER');
    bad({ normalizer: 'nope' }, 'INVALID_PARAMETER');
    bad({ window: 0 }, 'INVALID_PARAMETER');
    bad({ mask: new Uint8Array(3) }, 'SHAPE_MISMATCH');
    bad({ mask: boolMask, maskShape: [2, 4, 5, 7] }, 'SHAPE_MISMATCH');
    bad({ mask: [1, 2] as unknown as Uint8Array }, 'INVALID_INPUT');
    bad({ keyLengths: [1] }, 'SHAPE_MISMATCH');
    bad({ keyLengths: [1, 8] }, 'INVALID_PARAMETER');
    bad({ sinks: [0, 0, Number.POSITIVE_INFINITY, 0] }, 'NON_FINITE_PARAMETER');
    bad({ sinks: [0, 0, 0, 0], normalizer: 'sigmoid' }, 'INVALID_PARAMETER');
    bad({ returnLse: true, normalizer: 'relu' }, 'INVALID_PARAMETER');
    bad({ alibiSlopes: [1] }, 'SHAPE_MISMATCH');
    bad({ blockSize: 1.5 }, 'INVALID_PARAMETER');
    bad({ normalizerOptions: { reweight: 3 } }, 'INVALID_PARAMETER'); // softmax has no re-weighting
    bad({ normalizer: 'softplusNorm', normalizerOptions: { reweight: 0.5 } }, 'INVALID_PARAMETER');
    bad(
      { normalizer: 'softplusNorm', normalizerOptions: { reweight: 3 }, returnLse: true },
      'INVALID_PARAMETER',
    );
    bad({}, 'INVALID_INPUT', [q, 'x' as unknown as Float64Array, v]);
    expect(() => attentionVjp(q, k, v, dOut.subarray(1), { ...dims })).toThrow(SoftmaxKitError);
  });
});

describe('LSSAR (softplusNorm with re-weighting) in attention', () => {
  const o = { batch: 1, heads: 2, kvHeads: 1, queries: 40, keys: 40, dim: 8, valueDim: 3 };
  const [qq, kk, vv] = [randomArray(640, 41), randomArray(320, 42), randomArray(120, 43)];
  const lssar = { normalizer: 'softplusNorm', normalizerOptions: { reweight: 15 } } as const;

  it('causal, p = 15, 40 tokens, several blocks: agrees with the reference', () => {
    const ref = refAttention(qq, kk, vv, {
      ...o,
      normalizer: 'softplusNorm',
      reweight: 15,
      causal: true,
    });
    for (const blockSize of [7, 128]) {
      const { out } = attention(qq, kk, vv, { ...o, ...lssar, causal: true, blockSize });
      expect(maxAbsDiff(out, ref.out)).toBeLessThan(1e-13);
    }
  });

  it('the first causal rows (≤ 3 visible keys) keep offset 0: row 0 reads v_0 exactly', () => {
    const { out } = attention(qq, kk, vv, { ...o, ...lssar, causal: true });
    expect(Array.from(out.subarray(0, 3))).toEqual(Array.from(vv.subarray(0, 3)));
  });

  it('is sharper than LSSA: the largest weight grows', () => {
    // one-hot values read the weights off directly
    const eye = new Float64Array(40 * 40);
    for (let j = 0; j < 40; j++) eye[j * 40 + j] = 1;
    const w = { ...o, heads: 1, valueDim: 40 };
    const q1 = qq.subarray(0, 320);
    const a = attention(q1, kk, eye, { ...w, normalizer: 'softplusNorm' }).out;
    const y = attention(q1, kk, eye, { ...w, ...lssar }).out;
    for (let i = 0; i < 40; i++) {
      const row = (t: FloatArrayLike) => Math.max(...Array.from(t.subarray(i * 40, (i + 1) * 40)));
      expect(row(y)).toBeGreaterThan(row(a));
    }
  });
});

type FloatArrayLike = Float32Array | Float64Array;
