/** Small statistics and timing helpers shared by the benchmark cases. */

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/**
 * Time candidates interleaved round by round: `warmup` untimed rounds, then
 * `rounds` timed ones; in each round every candidate runs once, the starting
 * candidate rotating so that no candidate always runs first. `run` may return a
 * promise (awaited inside the timing). Optional per-candidate `before`/`after`
 * hooks (switching a TF.js backend, a thread count) run untimed around each
 * call; a candidate's own `warmup` / `rounds` (for very slow candidates) cap its
 * share, after which it sits the remaining rounds out; its `snapshot` (untimed)
 * copies a result that later calls may overwrite.
 * Returns { times: name → { medianMs, minMs, rounds }, outputs: name → last result }.
 */
export async function interleave(candidates, { warmup, rounds }) {
  const times = candidates.map(() => []);
  const done = candidates.map(() => 0);
  const outputs = {};
  for (let q = 0; q < warmup + rounds; q++) {
    for (let j = 0; j < candidates.length; j++) {
      const c = (q + j) % candidates.length;
      const cand = candidates[c];
      const w = Math.min(warmup, cand.warmup ?? warmup);
      const timed = q >= warmup;
      if (timed ? times[c].length >= (cand.rounds ?? rounds) : done[c] >= w) continue;
      done[c]++;
      if (cand.before) await cand.before();
      const t0 = performance.now();
      let y = cand.run();
      if (y instanceof Promise) y = await y;
      const dt = performance.now() - t0;
      if (cand.after) await cand.after();
      if (timed) {
        times[c].push(dt);
        outputs[cand.name] = cand.snapshot ? cand.snapshot(y) : y;
      }
    }
  }
  const out = {};
  candidates.forEach((c, j) => {
    out[c.name] = {
      medianMs: median(times[j]),
      minMs: Math.min(...times[j]),
      rounds: times[j].length,
    };
  });
  return { times: out, outputs };
}
