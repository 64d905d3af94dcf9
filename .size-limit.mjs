/**
 * What a browser page pays for each import (size-limit, esbuild, minified + gzip), run by
 * `npm test` against dist/. The relaxed-SIMD build is reached only by a dynamic import()
 * where the engine has relaxed SIMD, so bundlers split it into a chunk of its own; here
 * it is left out of the bundle (external), which counts what a page loads up front. The
 * last check is that chunk. Budgets: issue 15's 60 kB for `import { softmax }`; the
 * others a few kB above today's figures (README, "Install and import").
 */
const page = {
  gzip: true,
  modifyEsbuildConfig: (config) => ({
    ...config,
    format: 'esm',
    platform: 'browser',
    external: [...(config.external ?? []), '*/kernels-relaxed.js'],
  }),
};

export default [
  {
    ...page,
    name: 'import { softmax }',
    path: 'dist/index.js',
    import: '{ softmax }',
    limit: '60 kB',
  },
  {
    ...page,
    name: 'import { softmax } + softmax-kit/losses',
    import: { 'dist/index.js': '{ softmax }', 'dist/losses/index.js': '*' },
    limit: '66 kB',
  },
  {
    ...page,
    name: 'import { softmax } + softmax-kit/attention',
    import: { 'dist/index.js': '{ softmax }', 'dist/attention/index.js': '*' },
    limit: '69 kB',
  },
  {
    ...page,
    name: 'import { softmax } + softmax-kit/sampling',
    import: { 'dist/index.js': '{ softmax }', 'dist/sampling/index.js': '*' },
    limit: '65 kB',
  },
  {
    ...page,
    name: 'import { softmax } + softmax-kit/gating',
    import: { 'dist/index.js': '{ softmax }', 'dist/gating/index.js': '*' },
    limit: '62 kB',
  },
  {
    ...page,
    name: 'import { softmax } + softmax-kit/calibration',
    import: { 'dist/index.js': '{ softmax }', 'dist/calibration/index.js': '*' },
    limit: '64 kB',
  },
  { ...page, name: 'everything (import *)', path: 'dist/index.js', import: '*', limit: '107 kB' },
  {
    name: 'relaxed-SIMD chunk (only where the engine has relaxed SIMD)',
    path: 'dist/kernels/wasm/gen/kernels-relaxed.js',
    gzip: true,
    limit: '38 kB',
  },
];
