/**
 * Kernel backends: one interface, several implementations. The portable
 * JavaScript backend is the reference; others register themselves and are
 * tested against it. `resolveBackend` is the only place a backend is chosen.
 */
import { SoftmaxKitError } from '../tensor/errors.js';
import type { BackendName, FloatArray } from '../tensor/types.js';
import type { FlashKernels } from './attention-rows.js';
import { crossEntropyRows } from './js/cross-entropy-rows.js';
import type { MatrixView } from './js/gemm.js';
import type { ExpScaleArgs, SplitStateArgs } from './js/logit-tiles.js';
import {
  logSumExpRows,
  type SoftmaxAlgorithm,
  softmaxRows,
  softmaxVjpRows,
} from './js/softmax-rows.js';

export type { SoftmaxAlgorithm };

/** Which product a gemm call is: A·Bᵀ, A·B or Aᵀ·B (as gemmNT / gemmNN / gemmTN). */
export type GemmForm = 'NT' | 'NN' | 'TN';

/** The softmax-family kernels every backend provides, over contiguous rows. */
export interface Backend extends FlashKernels {
  readonly name: Exclude<BackendName, 'auto'>;
  /** y = softmax(s·x) (log-softmax when `log`) for `rows` rows of length n; y may alias x. */
  softmax(
    x: FloatArray,
    y: FloatArray,
    rows: number,
    n: number,
    algorithm: SoftmaxAlgorithm,
    s: number,
    log: boolean,
  ): void;
  /** dx = J(s·x)ᵀ·dy of softmax (log-softmax when `log`), recomputing the forward. */
  softmaxVjp(
    x: FloatArray,
    dy: FloatArray,
    dx: FloatArray,
    rows: number,
    n: number,
    algorithm: SoftmaxAlgorithm,
    s: number,
    log: boolean,
  ): void;
  /** out[r] = log Σ e^(s·x_r·) for `rows` rows of length n. */
  logSumExp(
    x: FloatArray,
    out: FloatArray,
    rows: number,
    n: number,
    algorithm: SoftmaxAlgorithm,
    s: number,
  ): void;
  /**
   * Cross-entropy rows, loss and gradient together (js/cross-entropy-rows.ts is the
   * reference): q_j = (1 − ε)·w_t·[j = t] + (ε/n)·w_j; loss[r] = Σ q_j (lse − x_j); lse[r];
   * grad row = scale[r]·((Σ q)·softmax − q). Negative targets are ignored (loss 0, grad 0);
   * a fully masked row gives loss 0, grad 0, lse −∞; a row holding +∞ takes the limit.
   */
  crossEntropy(
    x: FloatArray,
    targets: Int32Array,
    rows: number,
    n: number,
    smoothing: number,
    classWeight: Float64Array | undefined,
    scale: Float64Array,
    loss: Float64Array,
    lse: Float64Array,
    grad: FloatArray | undefined,
  ): void;
  /** Worth using for a call over `elements` elements of this type (size-based choice for 'auto'). */
  prefers?(elements: number, float32: boolean): boolean;
  /**
   * Optional matrix multiply with js/gemm.ts semantics (C (+)= op(A)·op(B), each entry a
   * double sum over p, rounded once on the store; src/kernels/gemm.ts dispatches to it for
   * large products). Returns false, having done nothing, when it cannot take the call.
   */
  gemm?(
    form: GemmForm,
    m: number,
    n: number,
    k: number,
    A: MatrixView,
    B: MatrixView,
    C: MatrixView,
    beta: 0 | 1,
  ): boolean;
  /**
   * Optional kernels over Float64 logit tiles (linear cross-entropy; logit-tile-dispatch.ts dispatches,
   * js/logit-tiles.ts splitStateRows and expScaleRows are the reference): per row the max
   * and Σ e^(x − m) − 1, and y = e^(x − m_r)·f_r. False, having done nothing: not taken.
   */
  splitStateRows?(...args: SplitStateArgs): boolean;
  /** y = e^(x − m_r)·f_r over logit tiles (the backward's probabilities); false: not taken. */
  expScaleRows?(...args: ExpScaleArgs): boolean;
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
