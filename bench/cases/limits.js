/** The machine's limits (lib/limits.js), measured in their own process at the start of the run. */
import { measureLimits } from '../lib/limits.js';

export const ids = () => ['limits'];

export async function run(id, { quick }) {
  return { id, ...(await measureLimits(quick)) };
}
