/**
 * src/calibration/index.ts only re-exports (the "./calibration" subpath); each metric
 * is tested in its own file. Here: the subpath's names against the SPEC and the root.
 */
import { describe } from 'vitest';
import * as calibration from '../../src/calibration/index.js';
import { subpathChecks } from '../helpers/subpath.js';

describe('softmax-kit/calibration', () => {
  subpathChecks(calibration, 'calibration');
});
