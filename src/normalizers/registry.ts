/**
 * The normalizer registry: name → { forward, vjp } for every normalizer, so
 * attention, gating and losses can take any of them by name.
 */

import { entry as adaptiveTemperatureSoftmax } from './adaptive-temperature.js';
import { entry as clippedSoftmax } from './clipped-softmax.js';
import { entry as entmax } from './entmax.js';
import { entry as entmax15 } from './entmax15.js';
import type { NormalizerEntry } from './entry.js';
import { entry as gumbelSoftmax } from './gumbel-softmax.js';
import { entry as logSoftmax } from './log-softmax.js';
import { entry as reluNorm } from './relu-norm.js';
import { entry as saSoftmax } from './sa-softmax.js';
import { entry as softmax } from './softmax.js';
import { entry as softpick } from './softpick.js';
import { entry as softplusNorm } from './softplus-norm.js';
import { entry as sparseSoftmax } from './sparse-softmax.js';
import { entry as sparsemax } from './sparsemax.js';
import { entry as ssmax } from './ssmax.js';

/** Every normalizer by name → `{ forward, vjp }`: the registry attention and gating take a normalizer from. */
export const normalizers = {
  softmax,
  logSoftmax,
  sparsemax,
  entmax15,
  entmax,
  sparseSoftmax,
  gumbelSoftmax,
  ssmax,
  softpick,
  saSoftmax,
  softplusNorm,
  reluNorm,
  adaptiveTemperatureSoftmax,
  clippedSoftmax,
} as const satisfies Record<string, NormalizerEntry<never>>;

/** The name of a registered normalizer. */
export type NormalizerName = keyof typeof normalizers;
