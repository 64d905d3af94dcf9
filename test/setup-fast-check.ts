/**
 * Property tests run the same cases on every run (CI must not turn red on a draw):
 * fast-check's seed is fixed here unless FC_SEED is set, e.g. `FC_SEED=$RANDOM npx
 * vitest run test/robustness` to hunt with fresh cases. A test that passes its own
 * `seed` keeps it.
 */
import fc from 'fast-check';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261207) });
