/**
 * One benchmark case in its own process: `node bench/case.js <case-id> <out.json> [--quick]`.
 * Writes the case's JSON result to <out.json> (stdout is left to the libraries'
 * own chatter) and exits.
 */
import { writeFileSync } from 'node:fs';

const [id, outPath, ...flags] = process.argv.slice(2);
const quick = flags.includes('--quick');
const group = id.split('/')[0];
const mod = await import(`./cases/${group}.js`);
const result = await mod.run(id, { quick });
writeFileSync(outPath, JSON.stringify(result, null, 1));
process.exit(0);
