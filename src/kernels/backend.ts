/**
 * Kernel backends: one interface, several implementations. The portable
 * JavaScript backend is the reference; others register themselves and are
 * tested against it. `resolveBackend` is the only place a backend is chosen.
 */
import { SoftmaxKitError } from '../tensor/errors.js';
import type { BackendName } from '../tensor/types.js';
import type { FlashKernels } from './flash-dispatch.js';
import { crossEntropyRows } from './js/cross-entropy-rows.js';
import { logSumExpRows, softmaxRows, softmaxVjpRows } from './js/softmax-rows.js';
import type { TemperaturePassArgs, TemperatureStatsArgs } from './js/temperature-rows.js';
import type {
  CrossEntropyArgs,
  ExpScaleArgs,
  GemmArgs,
  LogSumExpArgs,
  RouteRowsArgs,
  SoftmaxArgs,
  SoftmaxVjpArgs,
  SplitStateArgs,
} from './kernel-args.js';
import type { TopKRowsKernel } from './top-k.js';

export type { RouteRowsArgs, SoftmaxAlgorithm } from './kernel-args.js';

/**
 * The softmax-family kernels every backend provides, over contiguous rows; each takes
 * one argument object (kernel-args.ts), whose fields the JavaScript reference names.
 */
export interface Backend extends FlashKernels {
  readonly name: Exclude<BackendName, 'auto'>;
  /** y = softmax(s·x) (log-softmax when `log`) for `rows` rows of length n; y may alias x. */
  softmax(a: SoftmaxArgs): void;
  /** dx = J(s·x)ᵀ·dy of softmax (log-softmax when `log`), recomputing the forward. */
  softmaxVjp(a: SoftmaxVjpArgs): void;
  /** out[r] = log Σ e^(s·x_r·) for `rows` rows of length n. */
  logSumExp(a: LogSumExpArgs): void;
  /**
   * Cross-entropy rows, loss and gradient together (js/cross-entropy-rows.ts is the
   * reference): q_j = (1 − ε)·w_t·[j = t] + (ε/n)·w_j; loss[r] = Σ q_j (lse − x_j); lse[r];
   * grad row = scale[r]·((Σ q)·softmax − q). Negative targets are ignored (loss 0, grad 0);
   * a fully masked row gives loss 0, grad 0, lse −∞; a row holding +∞ takes the limit.
   */
  crossEntropy(a: CrossEntropyArgs): void;
  /** Worth using for a call over `elements` elements of this type (size-based choice for 'auto'). */
  prefers?(elements: number, float32: boolean): boolean;
  /**
   * Optional matrix multiply with js/gemm.ts semantics (C (+)= op(A)·op(B), each entry a
   * double sum over p, rounded once on the store; src/kernels/gemm.ts dispatches to it for
   * large products). Returns false, having done nothing, when it cannot take the call.
   */
  gemm?(a: GemmArgs): boolean;
  /**
   * Optional kernels over Float64 logit tiles (linear cross-entropy; logit-tile-dispatch.ts
   * dispatches, js/logit-tiles.ts is the reference): per row the max and Σ e^(x − m) − 1.
   * False, having done nothing: not taken.
   */
  splitStateRows?(a: SplitStateArgs): boolean;
  /** y = e^(x − m_r)·f_r over logit tiles (the backward's probabilities); false: not taken. */
  expScaleRows?(a: ExpScaleArgs): boolean;
  /**
   * Optional fused pass of temperature scaling (js/temperature-rows.ts temperaturePassRows
   * is the reference): per labelled row the ties at its max and Σ e^(β·u), Σ e^(β·u)·u,
   * Σ e^(β·u)·u² over u = x − max < 0. False, having done nothing: not taken.
   */
  temperaturePass?(args: TemperaturePassArgs): boolean;
  /** Optional row constants of temperature scaling (js/temperature-rows.ts temperatureStatsRows). */
  temperatureStats?(args: TemperatureStatsArgs): boolean;
  /**
   * Optional fused routing (scores, selection keys, group limit, top-k, picked scores per
   * token; see RouteRowsArgs). False, having done nothing: not taken.
   */
  routeRows?(args: RouteRowsArgs): boolean;
  /** Optional fused top-k + normalizer over many rows (top-k.ts topKRow is the reference). */
  topKRows?: TopKRowsKernel;
}

/** The portable JavaScript backend (the reference). */
export const jsBackend: Backend = {
  name: 'js',
  softmax: softmaxRows,
  softmaxVjp: softmaxVjpRows,
  logSumExp: logSumExpRows,
  crossEntropy: crossEntropyRows,
};

const registry = new Map<string, Backend>([['js', jsBackend]]);

/** Register a backend under its name. Registering a name twice throws. */
export function registerBackend(backend: Backend): void {
  if (registry.has(backend.name))
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `registerBackend: backend '${backend.name}' is already registered`,
    );
  registry.set(backend.name, backend);
}

/** The first registered backend with a matrix multiply (none while only 'js' is loaded). */
export function gemmBackend(): Backend | undefined {
  for (const b of registry.values()) if (b.gemm) return b;
  return undefined;
}

/**
 * The backend for a call. `'js'` and `'wasm'` are taken as asked (throwing
 * BACKEND_UNAVAILABLE when not loaded); `'auto'` asks each non-reference
 * backend whether it prefers this size, else uses JavaScript.
 */
export function resolveBackend(
  fn: string,
  name: BackendName | undefined,
  elements: number,
  float32: boolean,
): Backend {
  const asked = name ?? 'auto';
  if (asked === 'auto') {
    for (const b of registry.values()) if (b.prefers?.(elements, float32)) return b;
    return jsBackend;
  }
  const b = registry.get(asked);
  if (b !== undefined) return b;
  if (asked !== 'js' && asked !== 'wasm')
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `${fn}: expected backend to be one of 'auto', 'js', 'wasm', got ${JSON.stringify(asked)}`,
    );
  throw new SoftmaxKitError(
    'BACKEND_UNAVAILABLE',
    `${fn}: expected backend '${asked}' to be loaded, got none`,
  );
}
