/**
 * Calibration.
 * - fitTemperature on 50,000 × 1,000 Float32 logits (an ImageNet validation
 *   set's size): its time and its passes over the logits (`iterations` fused passes,
 *   the first of which also finds the row maxima), against softmax-kit's own logSumExp over the
 *   same logits (one pass; js and, where loaded, wasm). Target: ≤ 12 passes' time.
 * - auroc on 10⁶ scores with labels against a Float64Array sort of the same
 *   scores (copy + native sort). Target: ≤ 1.5×.
 * The logits are over-confident on purpose (scale 4 on a weak signal), so the
 * fit has work to do (T ≈ 2–4).
 */
import { normalArray, targetArray, uniforms } from '../lib/data.js';
import { libFunction, loadSoftmaxKit } from '../lib/peers.js';
import { interleave } from '../lib/stats.js';

const FIT = { rows: 50_000, classes: 1_000 };
const FIT_QUICK = { rows: 5_000, classes: 1_000 };
const AUROC_N = 1_000_000;

export const ids = (quick) => {
  const f = quick ? FIT_QUICK : FIT;
  return [`calibration/fit-temperature-${f.rows}x${f.classes}`, `calibration/auroc-${AUROC_N}`];
};

export async function run(id, { quick }) {
  const kit = await loadSoftmaxKit();
  return {
    id,
    ...(await (id.includes('fit-temperature') ? fitCase(kit, quick) : aurocCase(kit, quick))),
  };
}

async function fitCase(kit, quick) {
  const { rows, classes } = quick ? FIT_QUICK : FIT;
  const labels = targetArray(rows, classes, 91);
  const x = normalArray(Float32Array, rows * classes, 90, 4);
  for (let r = 0; r < rows; r++) x[r * classes + labels[r]] += 6; // right most of the time, too sure
  const shape = [rows, classes];
  const fit = libFunction(kit.lib, 'fitTemperature');
  const lse = libFunction(kit.lib, 'logSumExp');
  if (!fit.ok || !lse.ok)
    return { kind: 'fit', rows, classes, candidates: [], skipped: [fit.why ?? lse.why] };
  const list = [{ name: 'softmax-kit fitTemperature', run: () => fit.fn(x, labels, { shape }) }];
  for (const backend of kit.wasm.ok ? ['js', 'wasm'] : ['js'])
    list.push({
      name: `softmax-kit logSumExp ${backend} (one pass)`,
      run: () => lse.fn(x, { shape, backend }),
    });
  const { times, outputs } = await interleave(list, { warmup: 1, rounds: quick ? 3 : 7 });
  const result = outputs['softmax-kit fitTemperature'];
  const passes = result.iterations;
  const fastestPass = Math.min(...list.slice(1).map((c) => times[c.name].medianMs));
  return {
    kind: 'fit',
    rows,
    classes,
    temperature: result.temperature,
    iterations: result.iterations,
    passes,
    passesOfTime: times['softmax-kit fitTemperature'].medianMs / fastestPass,
    candidates: list.map((c) => ({ name: c.name, ...times[c.name] })),
    skipped: kit.wasm.ok ? [] : [`softmax-kit logSumExp wasm: ${kit.wasm.why}`],
  };
}

async function aurocCase(kit, quick) {
  const n = AUROC_N;
  const u = uniforms(93);
  const scores = normalArray(Float64Array, n, 92);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) labels[i] = u() < 1 / (1 + Math.exp(-scores[i])) ? 1 : 0;
  const auroc = libFunction(kit.lib, 'auroc');
  if (!auroc.ok) return { kind: 'auroc', n, candidates: [], skipped: [auroc.why] };
  const list = [
    { name: 'softmax-kit auroc', run: () => auroc.fn(scores, labels) },
    { name: 'Float64Array sort (copy + sort)', run: () => Float64Array.from(scores).sort() },
  ];
  const { times, outputs } = await interleave(list, { warmup: 1, rounds: quick ? 3 : 11 });
  return {
    kind: 'auroc',
    n,
    auroc: outputs['softmax-kit auroc'],
    ratio: times['softmax-kit auroc'].medianMs / times['Float64Array sort (copy + sort)'].medianMs,
    candidates: list.map((c) => ({ name: c.name, ...times[c.name] })),
    skipped: [],
  };
}
