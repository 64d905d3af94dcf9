/**
 * src/losses/index.ts only re-exports (the "./losses" subpath); each loss is tested
 * in its own file. Here: the subpath's names against the SPEC and the package root.
 */
import { describe } from 'vitest';
import * as losses from '../../src/losses/index.js';
import { subpathChecks } from '../helpers/subpath.js';

describe('softmax-kit/losses', () => {
  subpathChecks(losses, 'losses');
});
