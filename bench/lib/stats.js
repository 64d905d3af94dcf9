/** Small statistics and timing helpers shared by the benchmark cases. */

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** The order of round q: a permutation of 0 … n − 1, shuffled by a PRNG seeded with q (the same every run). */
function roundOrder(n, q) {
  let s = (q + 1) * 0x9e3779b1;
  const next = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/**
 * Time candidates interleaved round by round: `warmup` untimed rounds, then
 * `rounds` timed ones; in each round every candidate runs once, in an order
 * shuffled anew each round (seeded, so the same every run): no candidate always
 * runs first, nor always right after the same other one (a candidate that leaves
 * hundreds of MB of garbage or a cold cache would otherwise charge it to the one
 * after it in every round). `run` may return a
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
    for (const c of roundOrder(candidates.length, q)) {
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
