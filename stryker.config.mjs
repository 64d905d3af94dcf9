// Mutation testing of floors 1–3's JavaScript (issue 20): `npm run mutate`, not part of
// `npm test`. The machine is shared, so run it folder by folder, e.g.
//   npm run mutate -- --mutate 'src/tensor/**/*.ts'
// Incremental mode keeps the results in reports/stryker-incremental.json, so a rerun only
// tests the mutants whose code or tests changed. docs/mutation.md has the scores.
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: true },
  coverageAnalysis: 'perTest',
  mutate: [
    'src/tensor/**/*.ts',
    'src/random/**/*.ts',
    'src/normalizers/**/*.ts',
    'src/kernels/js/**/*.ts',
    'src/kernels/lse-state.ts',
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
