/**
 * Builds the playground into playground/dist/: index.html, style.css and one
 * bundle (app.js) holding the page, the charting library and the built package
 * (dist/, imported as `softmax-kit`, its WebAssembly embedded), so the site needs
 * no network at run time and any static host can serve it.
 *
 *   node playground/build.mjs            (npm run build:playground runs `npm run build` first)
 */
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Build the site into `outDir` (default playground/dist/); returns the folder. */
export async function buildPlayground(outDir = `${here}dist`) {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [`${here}src/main.ts`],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    outfile: `${outDir}/app.js`,
    logLevel: 'warning',
  });
  await copyFile(`${here}index.html`, `${outDir}/index.html`);
  await copyFile(`${here}style.css`, `${outDir}/style.css`);
  return outDir;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = await buildPlayground();
  console.log(`playground: built ${out}`);
}
