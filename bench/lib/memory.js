/**
 * Peak memory of one call, measured in a fresh process (the caller's). Method:
 * after the inputs exist and the code has run once on a tiny problem, collect
 * garbage, read the resident set (VmRSS), reset the kernel's high-water mark
 * (write "5" to /proc/self/clear_refs, Linux ≥ 4.0), run the call once and read
 * the high-water mark (VmHWM). Growth = VmHWM − baseline VmRSS; "extra" = growth
 * minus the bytes of the arrays the call returns. Where clear_refs is not
 * writable, process.resourceUsage().maxRSS (never reset) is used instead and
 * the result says so. bench/run.js starts these processes with
 * MALLOC_MMAP_THRESHOLD_=131072 so that freed large blocks leave the resident set.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const MiB = 1024 * 1024;

function status(field) {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

function resetHighWater() {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** Full GCs, with pauses for V8's background sweeper to hand freed array memory back. */
async function collect() {
  for (let k = 0; k < 3; k++) {
    globalThis.gc?.();
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Run `call` once and report { baselineMiB, peakGrowthMiB, outputMiB, extraMiB,
 * ms, method }. `call` returns the list of output arrays whose bytes are
 * subtracted (they are the result, not working memory).
 */
export async function peakOf(call) {
  await collect();
  const baseline = status('VmRSS');
  const reset = resetHighWater();
  const t0 = performance.now();
  const outputs = await call();
  const ms = performance.now() - t0;
  const peak = reset ? status('VmHWM') : process.resourceUsage().maxRSS * 1024;
  const outputBytes = outputs.reduce((s, a) => s + (a?.byteLength ?? 0), 0);
  return {
    baselineMiB: baseline / MiB,
    peakGrowthMiB: (peak - baseline) / MiB,
    outputMiB: outputBytes / MiB,
    extraMiB: (peak - baseline - outputBytes) / MiB,
    ms,
    method: reset ? 'VmHWM after clear_refs' : 'maxRSS (not reset)',
  };
}
