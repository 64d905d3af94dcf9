/**
 * The normalizer registry: name → { forward, vjp } for every normalizer, so
 * attention, gating and losses can take any of them by name.
 */
import type { NormalizerEntry } from './entry.js';
import { entry as logSoftmax } from './log-softmax.js';
import { entry as softmax } from './softmax.js';

export const normalizers = {
  softmax,
  logSoftmax,
} as const satisfies Record<string, NormalizerEntry<never>>;

/** The name of a registered normalizer. */
export type NormalizerName = keyof typeof normalizers;
