import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      // AssemblyScript sources: compiled to WebAssembly, never run as JavaScript
      exclude: ['src/kernels/wasm/assembly/**'],
      reporter: ['text-summary', 'json-summary'],
    },
  },
});
