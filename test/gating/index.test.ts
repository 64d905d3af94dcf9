/**
 * src/gating/index.ts only re-exports (the "./gating" subpath); each router and loss
 * is tested in its own file. Here: the subpath's names against the SPEC and the root.
 */
import { describe } from 'vitest';
import * as gating from '../../src/gating/index.js';
import { subpathChecks } from '../helpers/subpath.js';

describe('softmax-kit/gating', () => {
  subpathChecks(gating, 'gating');
});
