import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The tests Stryker runs against floors 1–3's mutants (`npm run mutate`). A mutant must
 * be caught by the tests of its own module's folder, the ones that mirror it file for
 * file, so each folder is run with its own suite: `MUTATE_TESTS` lists the test globs
 * (comma-separated), e.g. `MUTATE_TESTS=test/tensor npm run mutate -- --mutate
 * 'src/tensor/**'` (docs/mutation.md has the command per folder). The default is every
 * suite of the mutated floors. The slow suites (robustness fuzzers, browser, package
 * tarball, examples) are never run here.
 */
const DEFAULT_TESTS = [
  'test/tensor',
  'test/random',
  'test/normalizers',
  'test/kernels/js',
  'test/kernels/online-state.test.ts',
  'test/kernels/attention-state.test.ts',
];

const tests = process.env.MUTATE_TESTS?.split(',') ?? DEFAULT_TESTS;

// not mergeConfig: it would append these globs to the base config's `test/**`
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: tests.map((t) => (t.endsWith('.ts') ? t : `${t}/**/*.test.ts`)),
  },
});
