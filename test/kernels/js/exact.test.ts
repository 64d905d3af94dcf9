import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addCompensated,
  type CompensatedSum,
  expDiff,
  logOfSum,
  productError,
  sumError,
  sumExcept,
} from '../../../src/kernels/js/exact.js';
import { D, dec } from '../../helpers/reference.js';

/** Exact arithmetic on doubles: 2,200 digits span the whole double range. */
const X = D.clone({ precision: 2200 });
const view = new DataView(new ArrayBuffer(8));
/** The exact value of a finite double (mantissa·2^e). */
function exact(v: number) {
  if (v === 0) return new X(0);
  view.setFloat64(0, v);
  const hi = view.getUint32(0);
  const biased = (hi >>> 20) & 0x7ff;
  const mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  const m = biased === 0 ? mant : mant | (1n << 52n);
  const e = (biased === 0 ? 1 : biased) - 1075;
  const a = new X(m.toString()).times(new X(2).pow(e));
  return v < 0 ? a.neg() : a;
}

// Also exercised by every kernel that sums or exponentiates (softmax-rows, cross-entropy-rows).

const finite = fc.double({ min: -1e300, max: 1e300, noNaN: true });

describe('sumError', () => {
  it('is a + b − fl(a + b) exactly', () => {
    fc.assert(
      fc.property(finite, finite, (a, b) => {
        const t = a + b;
        expect(
          exact(a)
            .plus(exact(b))
            .minus(exact(t))
            .eq(exact(sumError(a, b, t))),
        ).toBe(true);
      }),
    );
  });
});

describe('addCompensated and sumExcept', () => {
  it('1 + 1e−16·k summed one term at a time keeps what a plain sum rounds away', () => {
    const acc: CompensatedSum = { sum: 0, comp: 0 };
    addCompensated(acc, 1);
    for (let k = 0; k < 1000; k++) addCompensated(acc, 1e-16);
    const want = new D(1).plus(new D(1e-16).times(1000));
    expect(new D(acc.sum).plus(acc.comp).minus(want).abs().toNumber()).toBeLessThan(2 ** -52);
    expect(sumExcept([1e-16, 1, 1e-16, 5], 0, 4, 3)).toBe(1 + 2e-16);
  });
});

describe('expDiff and productError', () => {
  it('expDiff(a, m) = e^(a − m) with the difference exact: within 1 ulp where fl(a − m) is 1e−3 off', () => {
    const a = 1e13 + 0.1;
    const m = 1e13 + 3;
    const want = D.exp(dec(a).minus(dec(m)));
    expect(new D(expDiff(a, m)).minus(want).abs().div(want).toNumber()).toBeLessThan(2 ** -52);
    expect(expDiff(-Infinity, 3)).toBe(0);
    expect(expDiff(Number.NaN, 3)).toBeNaN();
  });

  it('productError(a, b, fl(a·b)) is a·b − fl(a·b) exactly', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e100, max: 1e100, noNaN: true }),
        fc.double({ min: -1e100, max: 1e100, noNaN: true }),
        (a, b) => {
          const z = a * b;
          if (Math.abs(z) < 1e-200) return;
          expect(
            exact(a)
              .times(exact(b))
              .minus(exact(z))
              .eq(exact(productError(a, b, z))),
          ).toBe(true);
        },
      ),
    );
  });
});

describe('logOfSum', () => {
  it('keeps log(1 + 1e−18) = 1e−18 through log1p; log(d) above 2', () => {
    expect(logOfSum(1, 1e-18)).toBe(1e-18);
    expect(logOfSum(3, 0)).toBe(Math.log(3));
  });
});
