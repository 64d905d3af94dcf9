// Mutation testing of floors 1–3's JavaScript (issue 20): `npm run mutate`, not part of
// `npm test`. Run it folder by folder, each folder's mutants against that folder's own
// tests (vitest.mutate.config.ts reads MUTATE_TESTS), with an incremental file per folder
// so a rerun only tests the mutants whose code or tests changed, e.g.
//   MUTATE_TESTS=test/tensor npm run mutate -- --mutate 'src/tensor/**/*.ts' \
//     --incrementalFile reports/stryker-incremental-tensor.json
// `--mutate` takes one comma-separated list (a second flag replaces the first).
// docs/mutation.md has the command per folder, the scores and the equivalent mutants.
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: true },
  coverageAnalysis: 'perTest',
  mutate: [
    'src/tensor/**/*.ts',
    'src/random/**/*.ts',
    'src/normalizers/**/*.ts',
    'src/kernels/js/**/*.ts',
    'src/kernels/online-state.ts',
    'src/kernels/attention-state.ts',
  ],
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // vitest transpiles without type checking; the AssemblyScript's decorators do not parse as TS
  disableTypeChecks: false,
  ignorePatterns: ['dist', 'docs/api', 'playground/dist', 'bench/results', 'coverage'],
  concurrency: 2,
  timeoutMS: 10_000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
