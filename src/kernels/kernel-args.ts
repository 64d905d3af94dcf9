/**
 * The arguments of the Backend methods (backend.ts), one object each: the interface,
 * the JavaScript reference kernels and the WebAssembly backend all take these, so a
 * signature is written once. Rows are contiguous: row r of length n occupies
 * [r·n, (r + 1)·n) of each row array; per-row outputs are at [r].
 */
import type { FloatArray } from '../tensor/types.js';

/** How a softmax row's normalizer is computed (js/softmax-rows.ts); all agree to the stated bound. */
export type SoftmaxAlgorithm = 'three-pass' | 'two-pass' | 'online';

/** What every softmax-row kernel reads: `rows` rows of length n of x, scaled by s = 1/T. */
export interface SoftmaxRowsArgs {
  readonly x: FloatArray;
  readonly rows: number;
  readonly n: number;
  readonly algorithm: SoftmaxAlgorithm;
  /** The scale s = 1/temperature applied to x. */
  readonly s: number;
}

/** y = softmax(s·x) (log-softmax when `log`); y may alias x. */
export interface SoftmaxArgs extends SoftmaxRowsArgs {
  readonly y: FloatArray;
  readonly log: boolean;
}

/** dx = J(s·x)ᵀ·dy of softmax (log-softmax when `log`). */
export interface SoftmaxVjpArgs extends SoftmaxRowsArgs {
  readonly dy: FloatArray;
  readonly dx: FloatArray;
  readonly log: boolean;
}

/** out[r] = log Σ e^(s·x_r·). */
export interface LogSumExpArgs extends SoftmaxRowsArgs {
  readonly out: FloatArray;
}

/** Cross-entropy rows' targets-independent arguments and outputs (js/cross-entropy-rows.ts). */
export interface CrossEntropyRowsArgs {
  readonly x: FloatArray;
  readonly rows: number;
  readonly n: number;
  /** Label smoothing ε in [0, 1]. */
  readonly smoothing: number;
  readonly classWeight: Float64Array | undefined;
  /** The gradient's factor per row. */
  readonly scale: Float64Array;
  /** Written: the loss per row. */
  readonly loss: Float64Array;
  /** Written: log Σ e^x per row. */
  readonly lse: Float64Array;
  /** Written when given: the gradient rows. */
  readonly grad: FloatArray | undefined;
}

/** Class targets: one index per row, negative for an ignored row. */
export interface CrossEntropyArgs extends CrossEntropyRowsArgs {
  readonly targets: Int32Array;
}

/** Probability targets: rows laid out as x. */
export interface SoftCrossEntropyArgs extends CrossEntropyRowsArgs {
  readonly target: FloatArray;
}

/** A row-major matrix view: element (i, j) at data[offset + i·ld + j]. */
export interface MatrixView {
  readonly data: FloatArray;
  readonly offset: number;
  readonly ld: number;
}

/** Which product a gemm call is: A·Bᵀ, A·B or Aᵀ·B (as gemmNT / gemmNN / gemmTN). */
export type GemmForm = 'NT' | 'NN' | 'TN';

/** C[m×n] (+)= op(A)·op(B) with k the shared dimension; beta 0 writes C, 1 adds to it. */
export interface GemmProduct {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly A: MatrixView;
  readonly B: MatrixView;
  readonly C: MatrixView;
  readonly beta: 0 | 1;
}

/** A backend's gemm call: the product and its form. */
export interface GemmArgs extends GemmProduct {
  readonly form: GemmForm;
}

/** Split states of Float64 logit tiles: m[r] = max, u[r] = Σ e^(x − m) − 1 (js/logit-tiles.ts). */
export interface SplitStateArgs {
  readonly x: Float64Array;
  readonly rows: number;
  readonly n: number;
  readonly m: Float64Array;
  readonly u: Float64Array;
}

/** y_rj = e^(x_rj − m_r)·f_r over Float64 logit tiles (y may be x). */
export interface ExpScaleArgs {
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly rows: number;
  readonly n: number;
  readonly m: Float64Array;
  readonly f: Float64Array;
}
/** How tokens choose experts (src/kernels/routing-rows.ts). */
export interface RouteConfig {
  readonly experts: number;
  readonly k: number;
  readonly sigmoid: boolean;
  /** Added to the scores for the selection only (length `experts`). */
  readonly bias: Float64Array | undefined;
  /** Group-limited routing: `groups` equal groups, the best `groupTop` kept (1, 1: off). */
  readonly groups: number;
  readonly groupTop: number;
}

/**
 * The gate weights a routing pass may also write: per token w_j = scale·p_j/Σp over its
 * k picked scores p (0 when Σp = 0) with `renormalize`, else scale·p_j; in double,
 * rounded once into `weights` [rows, k] (routing-rows.ts gateWeights is the reference).
 */
export interface RouteGate {
  readonly renormalize: boolean;
  readonly scale: number;
  readonly weights: FloatArray;
}

/**
 * Arguments of a backend's `routeRows` (src/kernels/routing-rows.ts routeRows is the
 * reference): token-choice routing of `rows` rows of `experts` logits.
 */
export interface RouteRowsArgs extends RouteConfig {
  readonly x: FloatArray;
  readonly rows: number;
  /**
   * Written: the scores [rows, experts] (undefined: not kept, none copied out), the
   * selected experts and their scores [rows, k].
   */
  readonly scores: FloatArray | undefined;
  readonly indices: Int32Array;
  /** undefined: not kept, none copied out. */
  readonly picked: Float64Array | undefined;
  /**
   * Written per row: 0 done; 1 the row's scores and selection left to the caller (a
   * non-finite row); 2 its selection left to the caller (the scores are written).
   */
  readonly flags: Uint8Array;
  /** Written for the rows done (flag 0) when given. */
  readonly gate?: RouteGate | undefined;
}
