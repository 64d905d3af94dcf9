/**
 * `npm run bench` (= `npm run build && node bench/run.js`): runs every benchmark
 * case in its own child process (node --expose-gc bench/case.js <id> <out.json>),
 * one process per shape, and writes bench/results/results.json and
 * bench/results/RESULTS.md.
 *
 *   node bench/run.js            full run (≥ 15 interleaved rounds for the kernels)
 *   node bench/run.js --quick    fewer rounds and a subset of the heavy cases
 *   node bench/run.js --only softmax,losses/ce-32x32000
 *                                only cases whose id starts with one of these; their
 *                                results replace those ids in the existing results.json
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderMarkdown } from './lib/report.js';

const GROUPS = [
  'limits',
  'softmax',
  'softmax-relaxed',
  'losses',
  'gemm',
  'attention',
  'calibration',
  'sampling',
  'memory',
  'memory',
  'gating',
];
const CASE_TIMEOUT_MS = 15 * 60 * 1000;
const here = fileURLToPath(new URL('.', import.meta.url));
const resultsDir = join(here, 'results');

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? (args[onlyAt + 1] ?? '').split(',').filter(Boolean) : undefined;

/** The run's case ids in a full run's order (all of them with filtered = false). */
async function allIds(filtered = true) {
  const ids = [];
  for (const g of GROUPS) ids.push(...(await import(`./cases/${g}.js`)).ids(quick));
  return only && filtered ? ids.filter((id) => only.some((p) => id.startsWith(p))) : ids;
}

function runCase(id, outPath) {
  return new Promise((resolve) => {
    const argv = ['--expose-gc', join(here, 'case.js'), id, outPath, ...(quick ? ['--quick'] : [])];
    // Memory cases: a fixed malloc mmap threshold, so large blocks are mapped and unmapped
    // rather than kept in the heap after free (the resident set then tracks live memory).
    // -hugepages cases: glibc backs large allocations with transparent huge pages.
    const env = id.startsWith('memory/')
      ? { ...process.env, MALLOC_MMAP_THRESHOLD_: '131072' }
      : id.endsWith('-hugepages')
        ? { ...process.env, GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' }
        : process.env;
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr.on('data', (b) => {
      stderr += b;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), CASE_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && existsSync(outPath)) resolve(JSON.parse(readFileSync(outPath, 'utf8')));
      else {
        const why = signal ? `killed by ${signal}` : `exit code ${code}`;
        const lines = stderr
          .split('\n')
          .filter((l) => l.trim() && !/^=+$|tfjs-node|TensorFlow\.js/.test(l));
        resolve({ id, failed: `${why}: ${lines.slice(-6).join(' | ')}` });
      }
    });
  });
}

const ids = await allIds();
const tmp = mkdtempSync(join(tmpdir(), 'softmax-kit-bench-'));
const started = Date.now();
const cases = {};
for (const [i, id] of ids.entries()) {
  const t0 = Date.now();
  process.stdout.write(`[${i + 1}/${ids.length}] ${id} … `);
  const r = await runCase(id, join(tmp, `${i}.json`));
  cases[id] = r;
  console.log(r.failed ? `FAILED (${r.failed})` : `${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
rmSync(tmp, { recursive: true, force: true });

const meta = {
  date: new Date().toISOString(),
  node: process.version,
  v8: process.versions.v8,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: totalmem() / 2 ** 30,
  freeMemoryGiB: freemem() / 2 ** 30,
  os: `${process.platform} ${release()}`,
  mode: quick ? 'quick' : 'full',
  library: process.env.SOFTMAX_KIT_DIST ?? 'dist/ (npm run build)',
  seconds: (Date.now() - started) / 1000,
};

const jsonPath = join(resultsDir, 'results.json');
let results = { meta, cases };
if (only && existsSync(jsonPath)) {
  const old = JSON.parse(readFileSync(jsonPath, 'utf8'));
  // the merged cases in a full run's order (a new case lands where a full run puts it)
  const order = await allIds(false);
  const rank = (id) => (order.includes(id) ? order.indexOf(id) : order.length);
  const merged = Object.entries({ ...old.cases, ...cases }).sort(([a], [b]) => rank(a) - rank(b));
  results = {
    meta: { ...old.meta, partialReruns: [...(old.meta.partialReruns ?? []), { ...meta, ids }] },
    cases: Object.fromEntries(merged),
  };
}
writeFileSync(jsonPath, `${JSON.stringify(results, null, 1)}\n`);
writeFileSync(join(resultsDir, 'RESULTS.md'), renderMarkdown(results));
console.log(`wrote bench/results/results.json and RESULTS.md in ${meta.seconds.toFixed(0)} s`);
