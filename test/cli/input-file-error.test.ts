import { describe, expect, it } from 'vitest';
import { InputFileError as FromCalibrate } from '../../src/cli/calibrate.js';
import { InputFileError } from '../../src/cli/input-file-error.js';

// The class is thrown by the readers (test/cli/npy.test.ts, calibrate.test.ts); here its identity.
describe('InputFileError', () => {
  it('is an Error, the same class calibrate.ts re-exports for main.ts', () => {
    const e = new InputFileError('f.npy: expected x, got y');
    expect(e).toBeInstanceOf(Error);
    expect(FromCalibrate).toBe(InputFileError);
    expect(e.message).toBe('f.npy: expected x, got y');
  });
});
