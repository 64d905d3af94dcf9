/**
 * The public `initWasm`: its options resolved through the options layer
 * (src/tensor/options.ts) before load.ts compiles anything, so `initWasm(null)`,
 * `initWasm({ relaxedSIMD: true })` or `initWasm({ sharedMemory: 'yes' })` reject
 * with a SoftmaxKitError naming initWasm rather than a TypeError or a silently
 * ignored key.
 */
import { resolveOptions, rule } from '../../tensor/options.js';
import { requireBoolean } from '../../tensor/validate.js';
import { type InitWasmOptions, initWasm as load, type WasmKernels } from './load.js';

/** Each build choice: a boolean, or undefined for "if the engine supports it". */
const INIT_WASM_RULES = {
  relaxedSimd: rule(requireBoolean),
  sharedMemory: rule(requireBoolean),
} as const;

/**
 * Compile and instantiate the kernels asynchronously (any environment); resolves
 * once `backend: 'wasm'` is usable. Without options it reuses a live instance.
 * Bad options reject with a SoftmaxKitError (INVALID_PARAMETER).
 *
 * @example
 * await initWasm();
 * softmax(x, { backend: 'wasm' });
 */
export async function initWasm(options?: InitWasmOptions): Promise<WasmKernels> {
  const o = resolveOptions('initWasm', options, INIT_WASM_RULES);
  const given: InitWasmOptions = {};
  if (o.relaxedSimd !== undefined) given.relaxedSimd = o.relaxedSimd;
  if (o.sharedMemory !== undefined) given.sharedMemory = o.sharedMemory;
  return load(given);
}
