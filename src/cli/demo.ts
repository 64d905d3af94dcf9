/**
 * `softmax-kit demo`: every registered normalizer on one example logit vector
 * and on a small batch, side by side with sparsity and entropy, and the three
 * softmax algorithms agreeing on a long row. Prints only; the math is the
 * library's.
 */
import { entropy } from '../calibration/entropy.js';
import type { NormalizerEntry } from '../normalizers/entry.js';
import { normalizers } from '../normalizers/registry.js';
import { softmax } from '../normalizers/softmax.js';
import type { FloatArray, RowOptions } from '../tensor/types.js';

type AnyEntry = NormalizerEntry<RowOptions & Record<string, unknown>>;

/** Options the demo passes to normalizers that need one (others run on defaults). */
const DEMO_OPTIONS: Record<string, Record<string, unknown>> = {
  sparseSoftmax: { k: 3 },
  gumbelSoftmax: { tau: 1, seed: 7 },
  entmax: { alpha: 1.25 },
  clippedSoftmax: { gamma: -0.03 },
};

/** Normalizers whose output is not a probability row (log-probabilities, signed weights): no sum or entropy. */
const NOT_A_DISTRIBUTION = new Set(['logSoftmax', 'saSoftmax']);

/** The name column fits the longest registered name (adaptiveTemperatureSoftmax). */
const NAME_WIDTH = Math.max(14, ...Object.keys(normalizers).map((n) => n.length));

const fmt = (v: number, width = 6): string =>
  (v === -Infinity ? '-inf' : v === 0 ? '0' : v.toFixed(3)).padStart(width);

function row(name: string, y: ArrayLike<number>, probs: boolean): string {
  const values = Array.from(y, (v) => fmt(v)).join(' ');
  if (!probs) return `  ${name.padEnd(NAME_WIDTH)} ${values}`;
  let sum = 0;
  let nonzero = 0;
  for (let i = 0; i < y.length; i++) {
    sum += y[i]!;
    if (y[i] !== 0) nonzero++;
  }
  const h = entropy(Float64Array.from(y), { input: 'probabilities' })[0]!;
  return `  ${name.padEnd(NAME_WIDTH)} ${values}  │ ${sum.toFixed(4).padStart(6)} ${String(nonzero).padStart(4)} ${h.toFixed(3).padStart(7)}`;
}

function each(
  run: (name: string, entry: AnyEntry, options: Record<string, unknown>) => void,
): void {
  for (const [name, entry] of Object.entries(normalizers))
    run(name, entry as AnyEntry, DEMO_OPTIONS[name] ?? {});
}

/** The demo text, line by line (returned so tests can check it). */
export function demoLines(): string[] {
  const out: string[] = [];
  const x = [2.5, 1.8, 1.2, 0.3, -0.4, -1.0, -2.2, -Infinity];
  out.push(
    'softmax-kit demo — every normalizer on one logit vector (the last entry is masked with −∞)',
  );
  out.push('');
  out.push(
    `  ${'logits'.padEnd(NAME_WIDTH)} ${x.map((v) => fmt(v)).join(' ')}  │    sum  nnz entropy`,
  );
  each((name, entry, options) =>
    out.push(row(name, entry.forward(x, options), !NOT_A_DISTRIBUTION.has(name))),
  );

  out.push('');
  out.push(
    'A batch of 3 rows (peaked, flat, fully masked), normalized along axis 1 (nnz / entropy per row):',
  );
  const batch = [
    4,
    1,
    0,
    -1,
    3.8,
    0.2,
    0.1,
    0.2,
    0,
    -0.1,
    0.1,
    0.05,
    ...new Array(6).fill(-Infinity),
  ];
  each((name, entry, options) => {
    if (NOT_A_DISTRIBUTION.has(name)) return;
    const y = entry.forward(batch, { ...options, shape: [3, 6], axis: 1 });
    const cells = [0, 1, 2].map((r) => {
      const part = y.subarray(r * 6, r * 6 + 6);
      let nnz = 0;
      for (const v of part) if (v !== 0) nnz++;
      return `${String(nnz).padStart(2)} / ${entropy(part, { input: 'probabilities' })[0]!.toFixed(3)}`;
    });
    out.push(`  ${name.padEnd(NAME_WIDTH)} ${cells.join('    ')}`);
  });

  out.push('');
  out.push('The three softmax algorithms on one row of 1,000,000 logits in [−20, 20] (Float64):');
  const long = new Float64Array(1_000_000);
  for (let i = 0; i < long.length; i++) long[i] = 20 * Math.sin(i * 0.7123);
  const results: Record<string, FloatArray> = {};
  for (const algorithm of ['three-pass', 'two-pass', 'online'] as const) {
    const t0 = performance.now();
    results[algorithm] = softmax(long, { algorithm });
    const ms = performance.now() - t0;
    out.push(`  ${algorithm.padEnd(11)} ${ms.toFixed(1).padStart(7)} ms`);
  }
  let worst = 0;
  const ref = results['three-pass']!;
  for (const a of ['two-pass', 'online'])
    for (let i = 0; i < long.length; i++) {
      const r = ref[i]!;
      if (r !== 0) worst = Math.max(worst, Math.abs(results[a]![i]! - r) / r);
    }
  out.push(
    `  largest relative difference between algorithms: ${worst.toExponential(2)} (≤ 4 ulp = 8.9e-16 promised)`,
  );
  return out;
}
