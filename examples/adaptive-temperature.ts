/**
 * The dispersion experiment of Veličković et al. 2024 ("softmax is not enough",
 * arXiv:2410.01104) in small: one "sharp" item with logit 4 among n − 1
 * distractors at 0. Softmax's probability of the sharp item, e⁴/(e⁴ + n − 1),
 * fades as n grows; adaptive temperature raises β = poly(H) and keeps it sharp —
 * while the row's entropy stays inside the range the paper's polynomial was fit
 * on (poly(H) > 1 for 0.849 < H < 5.945 nats). Past that (n ≳ 500 here) the fit
 * gives β = 1 and the adaptive row disperses exactly as softmax does. The README
 * table is this function's output; test/examples.test.ts checks it against the
 * closed forms.
 */
import {
  adaptiveTemperatureBeta,
  adaptiveTemperatureSoftmax,
  adaptiveTemperatureSoftmaxVjp,
  softmax,
} from '../src/index.js';

/** Row lengths of the table. */
export const DISPERSION_LENGTHS = [2, 8, 16, 64, 256, 512, 1024, 16_384, 100_000] as const;
/** The sharp item's logit. */
export const SHARP_LOGIT = 4;

export interface DispersionRow {
  n: number;
  beta: number;
  softmax: number;
  adaptive: number;
}

export function dispersionTable(): DispersionRow[] {
  return DISPERSION_LENGTHS.map((n) => {
    const x = new Float64Array(n);
    x[0] = SHARP_LOGIT;
    return {
      n,
      beta: adaptiveTemperatureBeta(x)[0]!,
      softmax: softmax(x)[0]!,
      adaptive: adaptiveTemperatureSoftmax(x)[0]!,
    };
  });
}

/** The doc comment's @examples. */
export function adaptiveTemperatureExamples() {
  return {
    raised: adaptiveTemperatureSoftmax([1, 0.9, 0.8, 0.7, 0]), // H = 1.56 > 0.5: β = 1.89
    sharp: adaptiveTemperatureSoftmax([5, 0, 0]), // H = 0.08 ≤ 0.5: β = 1, plain softmax
    beta: adaptiveTemperatureBeta([1, 0.9, 0.8, 0.7, 0]), // [1.89…]
    // the gradient through β(H(x)), and with β held fixed (inference-time use)
    grad: adaptiveTemperatureSoftmaxVjp([1, 0.9, 0.8, 0.7, 0], [1, 0, 0, 0, 0]),
    gradDetached: adaptiveTemperatureSoftmaxVjp([1, 0.9, 0.8, 0.7, 0], [1, 0, 0, 0, 0], {
      detachTemperature: true,
    }),
  };
}
