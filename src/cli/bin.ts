#!/usr/bin/env node
/**
 * The installed `softmax-kit` command (package.json "bin"): runs the CLI on the
 * process's arguments. Kept apart from main.ts so that no "am I the main module?"
 * check is needed: npm links the bin under node_modules/.bin by another name, so
 * comparing `import.meta.url` with `process.argv[1]` never matched there.
 */
import { run } from './main.js';

process.exitCode = run(process.argv.slice(2), (line) => console.log(line));
