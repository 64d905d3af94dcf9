/**
 * Limited-memory BFGS with a backtracking (Armijo) line search and the
 * safeguards that make it provably convergent on a smooth convex objective
 * bounded below (Nocedal & Wright, "Numerical Optimization", 2nd ed., 2006:
 * Algorithm 7.4 for the two-loop recursion, Theorem 3.2 (Zoutendijk) and
 * §3.1–3.2 for the line search; Liu & Nocedal 1989 for L-BFGS).
 *
 * Why it converges: a curvature pair (s, y) is stored only when
 * s·y ≥ 1e-10·s·s and y·y ≤ 1e10·s·y, so every inverse-Hessian approximation
 * has eigenvalues in a fixed interval [λ, Λ] with λ > 0; and a direction d whose
 * angle with −∇f has cos < 1e-8 is replaced by −∇f. The directions are then
 * gradient-related, and Armijo backtracking on a function with a Lipschitz
 * gradient that is bounded below gives Σ‖∇f_k‖² < ∞, so ‖∇f_k‖ → 0: the stopping
 * test ‖∇f‖∞ ≤ tolerance is reached in finitely many steps. Near a strongly
 * convex optimum the rate is superlinear in practice (linear guaranteed).
 *
 * A start where f is not finite is returned as it is (`converged: false`).
 * The function is called once per trial point (value and gradient together: one
 * pass over the data); `passes` counts those calls.
 */

/** f(θ) with its gradient written into `grad`; +∞ (or NaN) for a point outside the domain. */
export type Objective = (theta: Float64Array, grad: Float64Array) => number;

/** The minimizer found, with the work done. */
export interface Minimum {
  theta: Float64Array;
  value: number;
  /** ‖∇f(θ)‖∞ at the result. */
  gradient: number;
  passes: number;
  converged: boolean;
}

const MEMORY = 10;
const ARMIJO = 1e-4;

const dot = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};
const normInf = (a: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s = Math.max(s, Math.abs(a[i]!));
  return s;
};

/** d = −H·g by the two-loop recursion over the stored pairs (newest last). */
function direction(g: Float64Array, S: Float64Array[], Y: Float64Array[]): Float64Array {
  const q = Float64Array.from(g);
  const k = S.length;
  const alpha = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    alpha[i] = dot(S[i]!, q) / dot(Y[i]!, S[i]!);
    for (let j = 0; j < q.length; j++) q[j]! -= alpha[i]! * Y[i]![j]!;
  }
  const gamma = k > 0 ? dot(S[k - 1]!, Y[k - 1]!) / dot(Y[k - 1]!, Y[k - 1]!) : 1 / normInf(g);
  for (let j = 0; j < q.length; j++) q[j]! *= gamma;
  for (let i = 0; i < k; i++) {
    const beta = dot(Y[i]!, q) / dot(Y[i]!, S[i]!);
    for (let j = 0; j < q.length; j++) q[j]! += S[i]![j]! * (alpha[i]! - beta);
  }
  for (let j = 0; j < q.length; j++) q[j] = -q[j]!;
  return q;
}

/**
 * Minimize f from θ₀ until ‖∇f‖∞ ≤ tolerance, `maxPasses` calls of f, or a line
 * search that cannot lower f any more (the rounding floor; `converged` then says
 * whether the tolerance was met).
 */
export function minimizeLbfgs(
  f: Objective,
  theta0: Float64Array,
  tolerance: number,
  maxPasses: number,
): Minimum {
  let theta = Float64Array.from(theta0);
  let g = new Float64Array(theta.length);
  let value = f(theta, g);
  let passes = 1;
  if (!Number.isFinite(value))
    return { theta, value, gradient: Infinity, passes, converged: false };
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const trial = new Float64Array(theta.length);
  let gTrial = new Float64Array(theta.length);
  while (normInf(g) > tolerance && passes < maxPasses) {
    let d = direction(g, S, Y);
    let slope = dot(g, d);
    if (!(slope < -1e-8 * Math.sqrt(dot(g, g) * dot(d, d)))) {
      d = g.map((v) => -v / normInf(g));
      slope = dot(g, d);
    }
    let step = 1;
    let next = Infinity;
    while (passes < maxPasses) {
      for (let i = 0; i < theta.length; i++) trial[i] = theta[i]! + step * d[i]!;
      next = f(trial, gTrial);
      passes++;
      if (next <= value + ARMIJO * step * slope) break;
      step /= 2;
      if (step * normInf(d) <= 2 ** -52 * Math.max(1, normInf(theta))) break;
    }
    if (!(next <= value + ARMIJO * step * slope)) break; // no decrease left to find
    const s = new Float64Array(theta.length);
    const y = new Float64Array(theta.length);
    for (let i = 0; i < theta.length; i++) {
      s[i] = trial[i]! - theta[i]!;
      y[i] = gTrial[i]! - g[i]!;
    }
    const sy = dot(s, y);
    if (sy >= 1e-10 * dot(s, s) && dot(y, y) <= 1e10 * sy) {
      S.push(s);
      Y.push(y);
      if (S.length > MEMORY) {
        S.shift();
        Y.shift();
      }
    }
    theta = Float64Array.from(trial);
    [g, gTrial] = [gTrial, g];
    value = next;
  }
  const gradient = normInf(g);
  return { theta, value, gradient, passes, converged: gradient <= tolerance };
}
