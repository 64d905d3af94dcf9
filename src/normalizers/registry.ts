/**
 * The normalizer registry: name → { forward, vjp } for every normalizer, so
 * attention, gating and losses can take any of them by name.
 */
import type { NormalizerEntry } from './entry.js';
import { entry as entmax } from './entmax.js';
import { entry as entmax15 } from './entmax15.js';
import { entry as logSoftmax } from './log-softmax.js';
import { entry as softmax } from './softmax.js';
import { entry as sparsemax } from './sparsemax.js';

export const normalizers = {
  softmax,
  logSoftmax,
  sparsemax,
  entmax15,
  entmax,
} as const satisfies Record<string, NormalizerEntry<never>>;

/** The name of a registered normalizer. */
export type NormalizerName = keyof typeof normalizers;
