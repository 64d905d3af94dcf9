import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup-fast-check.ts'],
    testTimeout: 120_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      // AssemblyScript sources: compiled to WebAssembly, never run as JavaScript; the
      // playground's sources run in the browser test's Chromium, not under Node's coverage
      exclude: ['src/kernels/wasm/assembly/**', 'playground/**'],
      reporter: ['text-summary', 'json-summary'],
    },
  },
});
