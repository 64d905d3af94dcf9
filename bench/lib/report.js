/** bench/results/RESULTS.md from the results object (self-contained: method, machine, tables). */

const ms = (x) =>
  !Number.isFinite(x)
    ? '—'
    : x >= 100
      ? x.toFixed(0)
      : x >= 10
        ? x.toFixed(1)
        : x >= 1
          ? x.toFixed(2)
          : x.toFixed(3);
const sci = (x) =>
  x === undefined ? '—' : x === 0 ? '0' : Number.isFinite(x) ? x.toExponential(1) : String(x);
const fixed = (x, d) => (Number.isFinite(x) ? x.toFixed(d) : '—');
const ratio = (x) =>
  Number.isFinite(x) && x > 0 ? `${x >= 10 ? x.toFixed(0) : x.toFixed(2)}×` : '—';
const table = (head, rows) =>
  [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

/**
 * The softmax-kit time every ratio divides by: its fastest one-thread call that
 * returns a new array (as the peers do) — the 2-thread, in-place (wasmArray),
 * reused-output, reused-gradient (gradOut) and loss-only variants are compared against
 * it too, not used as it.
 */
const isKitBaseline = (name) =>
  name.startsWith('softmax-kit') && !/threads|in-place|gradOut|out reused|loss only/.test(name);
const bestKit = (cands, filter = () => true) =>
  Math.min(...cands.filter((c) => isKitBaseline(c.name) && filter(c)).map((c) => c.medianMs));

/** The exp floor of a softmax table: its same-process probe candidate, else E ÷ the limits' rate. */
function expFloorMs(t, limits, elements) {
  const probe = t.candidates.find((x) => x.name.startsWith('exp floor'));
  return probe ? probe.medianMs : floors(limits, elements, 4).expMs;
}

function floors(limits, elements, bytes) {
  if (!limits || limits.failed) return {};
  return {
    expMs: elements / (limits.expElementsPerNs * 1e6),
    memMs: (2 * elements * bytes) / (limits.copyGBs * 1e6),
  };
}

function limitsSection(l) {
  if (!l || l.failed)
    return `## This machine's limits\n\nNot measured${l?.failed ? `: ${l.failed}` : ''}.\n`;
  return `## This machine's limits (same run)

${table(
  ['measure', 'value', 'how'],
  [
    [
      'SIMD exp rate',
      `${fixed(l.expElementsPerNs, 2)} elements/ns`,
      `hand-assembled WebAssembly f32x4 exp loop (rr2_p5, no FMA), L1-resident; its max rel. error ${sci(l.expMaxRelError)}`,
    ],
    [
      '2-thread scaling of the exp loop',
      `${fixed(l.expTwoThreadSpeedup, 2)}×`,
      'the same loop on 2 threads at once (own buffers) ÷ one thread: the ceiling for any compute-bound kernel on 2 threads',
    ],
    [
      'SIMD mul+add peak',
      `${fixed(l.simdPeakGflops, 1)} GFLOP/s`,
      '12 independent f32x4 mul+add chains (8 flops per step)',
    ],
    [
      'SIMD mul+add peak, f64x2',
      `${fixed(l.simdPeak64Gflops, 1)} GFLOP/s`,
      'the same on f64x2 lanes (4 flops per step): the ceiling of the double-accumulating gemm micro-kernel',
    ],
    [
      'memory bandwidth, copy',
      `${fixed(l.copyGBs, 1)} GB/s`,
      '256 MiB Float64Array `set` (read + write bytes)',
    ],
    [
      'memory bandwidth, read',
      `${fixed(l.readGBs, 1)} GB/s`,
      '256 MiB Float64Array summed in JavaScript',
    ],
    [
      'first touch of fresh memory',
      `${fixed(l.firstTouchMsPer100MiB, 1)} ms per 100 MiB`,
      'a new 256 MiB Float32Array written once per 4 KiB page: the page faults every call returning a new array pays',
    ],
    [
      'the same, huge pages',
      `${fixed(l.firstTouchHugeMsPer100MiB, 1)} ms per 100 MiB`,
      'in a process started with GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (glibc ≥ 2.35 backs large allocations with transparent huge pages)',
    ],
  ],
)}

The exp floor of a softmax over E elements is the SIMD exp probe run over E elements (one
core, L1-resident) in the shape's own process, interleaved round by round with the
candidates (E ÷ the rate above where a table lacks it); the memory floor is reading and
writing the array once (2·E·bytes ÷ copy bandwidth).
`;
}

/**
 * The README table: Float32 softmax and logSoftmax per shape — softmax-kit's
 * one-thread time (and which backend), its 2-thread and in-place variants, the
 * peers with their time ÷ softmax-kit's, and the exp floor.
 */
function summaryTable(results) {
  const limits = results.cases.limits;
  const variants = ['softmax-kit wasm 2 threads', 'softmax-kit wasm in-place (wasmArray)'];
  const peers = ['TF.js wasm', 'onnxruntime-node', 'transformers.js', 'naive JS'];
  const rows = [];
  for (const c of Object.values(results.cases)) {
    if (!c.id?.startsWith('softmax/') || c.failed) continue;
    for (const t of c.tables.filter((t) => t.dtype === 'float32')) {
      const best = bestKit(t.candidates);
      const kit = t.candidates.find((x) => isKitBaseline(x.name) && x.medianMs === best);
      const find = (name) => t.candidates.find((y) => y.name === name);
      const cell = (name) => {
        const x = find(name);
        return x ? `${ms(x.medianMs)} (${ratio(x.medianMs / best)})` : '—';
      };
      const one = find('softmax-kit wasm in-place (wasmArray)');
      const two = find('softmax-kit wasm in-place 2 threads');
      const speedUp = (a, b) =>
        a && b ? `${ms(b.medianMs)} (${ratio(a.medianMs / b.medianMs)})` : '—';
      rows.push([
        `${t.op} ${c.rows}×${c.n}`,
        kit ? `${ms(best)} (${kit.name.replace('softmax-kit ', '')})` : '—',
        ...variants.map(cell),
        speedUp(find('softmax-kit wasm out reused'), find('softmax-kit wasm out reused 2 threads')),
        speedUp(one, two),
        ...peers.map(cell),
        ms(expFloorMs(t, limits, c.elements)),
      ]);
    }
  }
  return table(
    [
      'Float32',
      'softmax-kit ms',
      '2 threads ms (÷)',
      'in-place ms (÷)',
      'out reused 2 threads ms (speed-up)',
      'in-place 2 threads ms (speed-up)',
      ...peers.map((p) => `${p} ms (÷)`),
      'exp floor ms',
    ],
    rows,
  );
}

/**
 * The relaxed-SIMD cases: per shape and op, softmax-kit's relaxed build (copy path
 * and in-place) with TF.js wasm and onnxruntime-node from the same process.
 */
function relaxedSection(cases) {
  if (cases.length === 0) return 'Not run (full runs only).';
  const names = ['softmax-kit wasm in-place (wasmArray)', 'TF.js wasm', 'onnxruntime-node'];
  const rows = [];
  for (const c of cases) {
    if (c.failed) {
      rows.push([c.id, `failed: ${c.failed}`, '', '', '', '']);
      continue;
    }
    for (const t of c.tables) {
      const best = bestKit(t.candidates);
      const cell = (name) => {
        const x = t.candidates.find((y) => y.name === name);
        return x ? `${ms(x.medianMs)} (${ratio(x.medianMs / best)})` : '—';
      };
      rows.push([
        `${t.op} ${c.rows}×${c.n}`,
        c.notes?.relaxedSimd ? 'yes' : 'NO',
        ms(best),
        ...names.map(cell),
      ]);
    }
  }
  return table(
    [
      'Float32',
      'relaxed build',
      'softmax-kit ms',
      'in-place ms (÷)',
      'TF.js wasm ms (÷)',
      'onnxruntime-node ms (÷)',
    ],
    rows,
  );
}

function softmaxSection(c, limits) {
  if (c.failed) return `### ${c.id}\n\nFailed: ${c.failed}\n`;
  const out = [`### ${c.rows} × ${c.n} (${c.elements.toLocaleString('en-US')} elements)`];
  for (const t of c.tables) {
    const f = floors(limits, c.elements, t.dtype === 'float32' ? 4 : 8);
    const best = bestKit(t.candidates);
    out.push(
      `\n**${t.op}, ${t.dtype}** — floor: exp ${ms(expFloorMs(t, limits, c.elements))} ms, memory ${ms(f.memMs)} ms\n`,
      table(
        ['candidate', 'median ms', 'ns/element', '÷ softmax-kit', 'max error', 'rounds'],
        t.candidates.map((x) => [
          x.name,
          ms(x.medianMs),
          fixed((x.medianMs * 1e6) / c.elements, 2),
          ratio(x.medianMs / best),
          sci(x.maxError),
          String(x.rounds),
        ]),
      ),
    );
  }
  return out.join('\n');
}

/** The note over a -hugepages case (run.js starts its process with the glibc tunable). */
const hugePagesNote = (c) =>
  'The same case in a process started with GLIBC_TUNABLES=glibc.malloc.hugetlb=1, so that ' +
  `a fresh gradient's ${Math.round((c.elements * 4) / 1e6)} MB is faulted in as 2 MiB pages ` +
  "rather than 4 KiB ones (the peers' fresh arrays too, such as TF.js's dataSync result).";

function lossSection(c, limits) {
  if (c.failed) return `### ${c.id}\n\nFailed: ${c.failed}\n`;
  const best = bestKit(c.candidates);
  const peak = limits?.simdPeakGflops;
  if (c.kind === 'ce')
    return `### crossEntropy ${c.rows} × ${c.classes}, float32, loss + gradient${
      c.hugePages ? ', huge pages' : ''
    }\n\n${c.hugePages ? `${hugePagesNote(c)}\n\n` : ''}${table(
      [
        'candidate',
        'median ms',
        'ns/element',
        '÷ softmax-kit',
        'loss rel. error',
        'grad error',
        'rounds',
      ],
      c.candidates.map((x) => [
        x.name,
        ms(x.medianMs),
        fixed((x.medianMs * 1e6) / c.elements, 2),
        ratio(x.medianMs / best),
        sci(x.lossError),
        sci(x.gradError),
        String(x.rounds),
      ]),
    )}`;
  return `### linearCrossEntropy n = ${c.n}, d = ${c.d}, vocab = ${c.vocab}, float32, loss + dHidden + dWeight\n\n${table(
    [
      'candidate',
      'median ms',
      'GFLOP/s',
      '% of SIMD peak',
      '÷ softmax-kit',
      'loss rel. error',
      'grad error',
      'rounds',
    ],
    c.candidates.map((x) => {
      const g = (x.flops ?? c.flops) / (x.medianMs * 1e6);
      return [
        x.name,
        ms(x.medianMs),
        fixed(g, 2),
        fixed((100 * g) / peak, 1),
        ratio(x.medianMs / best),
        sci(x.lossError),
        sci(x.gradError),
        String(x.rounds),
      ];
    }),
  )}`;
}

function calibrationSection(c) {
  if (c.failed) return `### ${c.id}\n\nFailed: ${c.failed}\n`;
  const head =
    c.kind === 'fit'
      ? `### fitTemperature ${c.rows} × ${c.classes}, float32: T = ${fixed(c.temperature, 4)}, ${c.passes} passes over the logits, time = ${fixed(c.passesOfTime, 1)} logSumExp passes`
      : `### auroc on ${c.n} scores: ${fixed(c.ratio, 2)}× a Float64Array sort`;
  return `${head}\n\n${table(
    ['candidate', 'median ms', 'rounds'],
    c.candidates.map((x) => [x.name, ms(x.medianMs), String(x.rounds)]),
  )}`;
}

function attentionSection(c, limits) {
  if (c.failed) return `### ${c.id}\n\nFailed: ${c.failed}\n`;
  const peak = limits?.simdPeakGflops;
  const title = c.decode
    ? `### decoding: 1 query × ${c.keys.toLocaleString('en-US')} keys, ${c.heads} heads, dim ${c.dim}`
    : `### ${c.queries.toLocaleString('en-US')} tokens, ${c.heads} heads, dim ${c.dim}`;
  const out = [title];
  for (const t of c.tables) {
    const pass = (x) => (x.name.endsWith('backward') ? 'fb' : 'f');
    const bests = {
      f: bestKit(t.candidates, (x) => pass(x) === 'f'),
      fb: bestKit(t.candidates, (x) => pass(x) === 'fb'),
    };
    out.push(
      `\n**${t.causal ? 'causal' : 'not causal'}**\n`,
      table(
        [
          'candidate',
          'median ms',
          'GFLOP/s',
          '% of SIMD peak',
          '÷ softmax-kit',
          'max error',
          'rounds',
        ],
        t.candidates.map((x) => [
          x.name,
          ms(x.medianMs),
          fixed(x.gflops, 2),
          fixed((100 * x.gflops) / peak, 1),
          ratio(x.medianMs / bests[pass(x)]),
          sci(x.maxError),
          String(x.rounds),
        ]),
      ),
    );
  }
  return out.join('\n');
}

/** The gemm micro-kernel: GFLOP/s per product and path, against the f64x2 peak of the same rounds. */
function gemmSection(c) {
  if (!c) return 'Not measured in this run.\n';
  if (c.failed) return `Failed: ${c.failed}\n`;
  const paths = c.products[0].candidates.map((x) => x.name);
  return `f64x2 mul+add peak in these rounds: ${fixed(c.peakGflops, 1)} GFLOP/s.

${table(
  ['product (m × n × k, A · B types)', ...paths.map((p) => `${p}, GFLOP/s (% of peak)`)],
  c.products.map((p) => [
    `${p.name}, ${p.form} ${p.m} × ${p.n} × ${p.k}, ${p.types}`,
    ...paths.map((name) => {
      const x = p.candidates.find((y) => y.name === name);
      return x ? `${fixed(x.gflops, 1)} (${fixed((100 * x.gflops) / c.peakGflops, 0)}%)` : '—';
    }),
  ]),
)}
`;
}

function memorySection(cases) {
  const rows = cases.map((c) => {
    const what = c.id.replace('memory/', '');
    if (c.failed) return [what, '—', '—', '—', '—', '—', `failed: ${c.failed}`];
    if (c.skipped) return [what, '—', '—', '—', '—', '—', `skipped: ${c.skipped}`];
    const target =
      c.candidate === undefined || c.candidate === 'softmax-kit'
        ? c.extraMiB < 64
          ? 'yes'
          : 'NO'
        : '';
    return [
      what,
      fixed(c.inputMiB, 1),
      fixed(c.peakGrowthMiB, 1),
      fixed(c.outputMiB, 1),
      fixed(c.extraMiB, 1),
      ms(c.ms),
      target,
    ];
  });
  return table(
    ['case', 'inputs MiB', 'peak growth MiB', 'returned MiB', 'extra MiB', 'ms', 'extra < 64 MiB'],
    rows,
  );
}

function skippedNotes(results) {
  const notes = new Set();
  for (const c of Object.values(results.cases)) {
    for (const t of c.tables ?? [c]) {
      const skipped = t.skipped ?? [];
      for (const s of Array.isArray(skipped) ? skipped : [skipped]) notes.add(s);
    }
    if (c.failed) notes.add(`${c.id} failed: ${c.failed}`);
  }
  return [...notes].map((s) => `- ${s}`).join('\n') || '- nothing';
}

/**
 * The sampling cases: the default chain (÷ softmax-kit's sample; the softmax floor's
 * column is the chain's median ÷ one softmax of the same logits) and softmaxTopK per k.
 */
function samplingSection(cases) {
  if (cases.length === 0) return 'Not run.';
  const kitChain = 'softmax-kit sample (default chain)';
  const floorName = 'softmax-kit softmax of the logits (floor)';
  return cases
    .map((c) => {
      if (c.failed) return `### ${c.id}\n\nFailed: ${c.failed}\n`;
      if (c.kind === 'chain') {
        const med = (name) => c.candidates.find((x) => x.name === name)?.medianMs;
        const kit = med(kitChain);
        const floor = med(floorName);
        // the batch: 1 thread ÷ 2 threads, copied and in place (wasmArray)
        const one = med('softmax-kit sample in-place (wasmArray)');
        const two = med('softmax-kit sample in-place 2 threads');
        const threads =
          one && two
            ? `; 2 threads: ${ratio(kit / med('softmax-kit sample 2 threads'))} faster copied, ${ratio(one / two)} in place${c.inPlaceSameTokens === false ? ' (in place gave other tokens!)' : ''}`
            : '';
        return `### default chain on ${c.rows} × ${c.n} logits (sample ÷ softmax floor: ${ratio(kit / floor)}${threads})\n\n${table(
          ['candidate', 'median ms', '÷ softmax-kit sample', 'rounds'],
          c.candidates.map((x) => [
            x.name,
            ms(x.medianMs),
            ratio(x.medianMs / kit),
            String(x.rounds),
          ]),
        )}`;
      }
      return c.tables
        .map((t) => {
          const kit = t.candidates.find((x) => x.name.startsWith('softmax-kit'))?.medianMs;
          return `### softmaxTopK ${c.rows} × ${c.n}, k = ${t.k}\n\n${table(
            ['candidate', 'median ms', '÷ softmax-kit', 'same indices', 'max rel. error', 'rounds'],
            t.candidates.map((x) => [
              x.name,
              ms(x.medianMs),
              ratio(x.medianMs / kit),
              String(x.sameIndices),
              sci(x.maxRelError),
              String(x.rounds),
            ]),
          )}`;
        })
        .join('\n\n');
    })
    .join('\n\n');
}

/** topKGating against the TF.js composite and plain JavaScript, per token, with the exp floor. */
function gatingSection(c) {
  if (c.failed) return `### ${c.id}\n\nFailed: ${c.failed}\n`;
  const best = bestKit(c.candidates);
  const what = c.sigmoid
    ? `sigmoid, bias, groups ${c.groups.count} / top ${c.groups.top}, scale ${c.scale}`
    : 'softmax';
  return `### topKGating ${c.tokens} tokens × ${c.experts} experts, k = ${c.k}, ${what}, float32\n\n${table(
    [
      'candidate',
      'median ms',
      'ns/token',
      '÷ softmax-kit',
      'weights max error',
      'indices agree',
      'rounds',
    ],
    c.candidates.map((x) => [
      x.name,
      ms(x.medianMs),
      fixed((x.medianMs * 1e6) / c.tokens, 1),
      x.name.startsWith('exp floor') ? '—' : ratio(x.medianMs / best),
      x.maxError === undefined ? '—' : sci(x.maxError),
      x.indicesAgree === undefined ? '—' : `${fixed(100 * x.indicesAgree, 2)}%`,
      String(x.rounds),
    ]),
  )}`;
}

export function renderMarkdown(results) {
  const { meta, cases } = results;
  const limits = cases.limits;
  const list = Object.values(cases);
  const group = (g) => list.filter((c) => c.id?.startsWith(`${g}/`));
  const tfFlags = list.find((c) => c.notes?.tfWasm)?.notes.tfWasm;
  const reruns = (meta.partialReruns ?? []).map(
    (r) => `- re-run on ${r.date} (${r.mode}): ${r.ids.join(', ')}`,
  );
  return `# softmax-kit benchmark results

Generated by \`npm run bench\` (bench/run.js); do not edit by hand.

- date: ${meta.date}, mode: **${meta.mode}**${meta.mode === 'quick' ? ' (fewer rounds; development only)' : ''}, total ${fixed(meta.seconds, 0)} s
- machine: ${meta.cpu}, ${meta.cores} cores, ${fixed(meta.memoryGiB, 1)} GiB, ${meta.os}
- softmax-kit from: ${meta.library ?? 'dist/'}
- Node ${meta.node} (V8 ${meta.v8}); TF.js wasm backend: SIMD ${tfFlags?.simd ?? '?'}, threads ${tfFlags?.threads ?? '?'}
${reruns.join('\n')}

## Method

- One child process per case (per shape); inside it every candidate runs in each
  round, in an order shuffled anew each round (seeded), so the shared machine's noise
  hits all alike and no candidate always runs right after the same one (cases run
  before 2026-12-07 17:40 UTC rotated the order instead, so each candidate always
  followed the same one and paid for its garbage and cold caches). Warm-up rounds first, then the median of the timed rounds (15 for the
  softmax kernels and cross-entropy in a full run; fewer for the multi-second
  attention and linear-cross-entropy cases: the "rounds" column says how many).
- Every candidate takes an array and returns a new array: softmax-kit as called by a
  user; TF.js with the input tensor resident, timing op + \`dataSync()\` + dispose;
  onnxruntime-node (1 intra-op thread, a one-node Softmax / LogSoftmax opset-13 model
  written as protobuf bytes by bench/lib/onnx.js) with the input tensor resident,
  timing \`session.run\`; transformers.js' \`softmax\` / \`log_softmax\` applied row by
  row; naive JS: max, Σ exp, divide in plain loops.
- Inputs: N(0, 4²) Float32 values (the Float64 runs use the same values widened).
- Error: against a float64 reference (per row: max shift, Neumaier-compensated
  Σ e^(x − max)). Softmax: max |y − ref| / |ref|; logSoftmax: max |y − ref| /
  max(|ref|, 1). Losses: loss relative error, gradient max |Δ| / max |ref|.
  Attention: max |Δ| / max |ref| of out (and dq, dk, dv) against the materialized
  computation in float64.
- "÷ softmax-kit" (and "(÷)" in the summary): the candidate's median ÷ softmax-kit's
  fastest one-thread call that returns a new array, as the peers do (backend js or
  wasm); above 1: softmax-kit is faster. softmax-kit's own 2-thread and in-place
  variants (input and \`out\` in WebAssembly memory via \`wasmArray\`, no copies) are
  divided by the same; "in-place 2 threads (speed-up)" is the in-place one-thread
  median ÷ the in-place two-thread median (the kernels' own scaling), and "out reused
  2 threads (speed-up)" the same for ordinary arrays written into one reused \`out\`
  (the copy path, its copies pipelined with the workers, without the fresh pages'
  first-touch cost). Cross-entropy's "gradOut (reused buffer)" writes
  the gradient into one array reused across calls, as a training loop would.
  Attention compares forward with forward and forward + backward with forward +
  backward.
- Fresh output arrays: each call that returns a new array pays for the fresh pages
  of its result (first-touch page faults). On this VM that cost varies with the
  allocator's state, up to ~2 ms per 4 MB; it hits every such candidate alike.
- Memory: one call in a fresh process; baseline resident set after the inputs exist
  and the code ran once on a tiny problem (and after gc); peak by the kernel's
  high-water mark (VmHWM, reset through /proc/self/clear_refs right before the
  call); "extra" = peak growth − bytes of the returned arrays. Resolution: a few MiB
  (V8 grows and shrinks its own heap during a call; a slightly negative "extra" means
  the call's working memory was below that noise).

${limitsSection(limits)}
## Summary: Float32 softmax and logSoftmax

${summaryTable(results)}

## softmax and logSoftmax, per shape

${group('softmax')
  .map((c) => softmaxSection(c, limits))
  .join('\n\n')}

## Relaxed SIMD (fused multiply-add) build

The same Float32 shapes in a process with V8's relaxed SIMD on (Node 20:
\`--experimental-wasm-relaxed-simd\`; on by default from V8 11.4, i.e. Node 22 and
Chrome 114), where softmax-kit loads its relaxed build; TF.js and onnxruntime-node
are unchanged and measured in the same process. Errors stay within 4 ulp (the
\`npm test\` suite runs the relaxed build too).

${relaxedSection(group('softmax-relaxed'))}

## Losses

${group('losses')
  .map((c) => lossSection(c, limits))
  .join('\n\n')}

## Matrix multiply: the micro-kernel against the SIMD peak

The gemm that linearCrossEntropy's tiles run on (src/kernels/gemm.ts: a 4 × 4 block of C
in eight f64x2 accumulators over packed panels, every product of Float32 inputs exact in
double): its three products at the default tile (64 rows × 256 classes, d = 256) and a
512³ product, hot in cache, all interleaved round by round with the f64x2 mul+add peak
probe of the same process. "Kernel alone" runs on operands already in WebAssembly memory (it
still packs both each call); "copies included" is the library's call on ordinary arrays
through the dispatcher. GFLOP/s = 2·m·n·k ÷ time. The probe's chains put the mul in the
dependency chain and the kernel's do not, so the kernel can reach a little over 100%.

${gemmSection(group('gemm')[0])}

## Attention (Float32)

GFLOP/s counts the matrix products over visible (query, key) pairs: forward 4·dim per
pair, forward + backward 14·dim per pair.

${group('attention')
  .map((c) => attentionSection(c, limits))
  .join('\n\n')}

## Calibration

fitTemperature's time in passes of softmax-kit's own logSumExp over the same logits
(target ≤ 12), and auroc against a Float64Array sort of the same scores (target ≤ 1.5×).

${group('calibration').map(calibrationSection).join('\n\n')}

## Sampling (Float32)

${samplingSection(group('sampling'))}

## Peak memory

${memorySection(group('memory'))}

## Mixture-of-experts gating (Float32)

Per token; the exp floor is the SIMD exp probe over tokens × experts elements.

${group('gating').map(gatingSection).join('\n\n') || 'Not run.'}

## Not measured in this run

${skippedNotes(results)}
`;
}
