/**
 * minimizeLbfgs (the solver under fitVectorScaling), directly: against closed-form
 * minimizers of convex functions, its stopping rule and its non-finite start.
 */
import { describe, expect, it } from 'vitest';
import { minimizeLbfgs, type Objective } from '../../src/calibration/lbfgs.js';

/** Solve A·x = b by Gaussian elimination with partial pivoting (the test's own reference). */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = M[r]![c]! / M[c]![c]!;
      for (let k = c; k <= n; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= M[r]![k]! * x[k]!;
    x[r] = s / M[r]![r]!;
  }
  return x;
}

/** f(θ) = ½θᵀAθ − bᵀθ with A = BᵀB + I (symmetric positive definite, ill-conditioned by B). */
function quadratic(n: number): { f: Objective; A: number[][]; b: number[] } {
  const B = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => Math.sin(1 + i * n + j) * (1 + 3 * i)),
  );
  const A = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => {
      let s = i === j ? 1 : 0;
      for (let k = 0; k < n; k++) s += B[k]![i]! * B[k]![j]!;
      return s;
    }),
  );
  const b = Array.from({ length: n }, (_, i) => Math.cos(i) * 5);
  const f: Objective = (t, g) => {
    let v = 0;
    for (let i = 0; i < n; i++) {
      let Ati = 0;
      for (let j = 0; j < n; j++) Ati += A[i]![j]! * t[j]!;
      g[i] = Ati - b[i]!;
      v += 0.5 * t[i]! * Ati - b[i]! * t[i]!;
    }
    return v;
  };
  return { f, A, b };
}

describe('minimizeLbfgs', () => {
  it('finds the minimizer of an ill-conditioned convex quadratic (closed form A⁻¹b)', () => {
    const n = 12;
    const { f, A, b } = quadratic(n);
    const r = minimizeLbfgs(f, new Float64Array(n), 1e-10, 10_000);
    expect(r.converged).toBe(true);
    expect(r.gradient).toBeLessThanOrEqual(1e-10);
    const x = solve(A, b);
    for (let i = 0; i < n; i++) expect(r.theta[i]).toBeCloseTo(x[i]!, 8);
  });
  it('minimizes a smooth convex non-quadratic: log Σ e^(θ_i) + ½‖θ − c‖² (stationarity checked independently)', () => {
    const c = [3, -1, 0.5, 2];
    const f: Objective = (t, g) => {
      const m = Math.max(...t);
      let d = 0;
      for (const v of t) d += Math.exp(v - m);
      for (let i = 0; i < t.length; i++) g[i] = Math.exp(t[i]! - m) / d + (t[i]! - c[i]!);
      return m + Math.log(d) + t.reduce((s, v, i) => s + 0.5 * (v - c[i]!) ** 2, 0);
    };
    const r = minimizeLbfgs(f, new Float64Array(4), 1e-12, 1000);
    expect(r.converged).toBe(true);
    // At the optimum θ = c − softmax(θ): recompute softmax in the test.
    const e = Array.from(r.theta, (v) => Math.exp(v));
    const z = e.reduce((s, v) => s + v, 0);
    for (let i = 0; i < 4; i++) expect(r.theta[i]).toBeCloseTo(c[i]! - e[i]! / z, 11);
  });
  it('stops at maxPasses without claiming convergence, and counts every call of f', () => {
    const { f } = quadratic(8);
    let calls = 0;
    const counted: Objective = (t, g) => {
      calls++;
      return f(t, g);
    };
    const r = minimizeLbfgs(counted, new Float64Array(8), 1e-14, 5);
    expect(r.passes).toBe(calls);
    expect(r.passes).toBeLessThanOrEqual(5);
    expect(r.converged).toBe(false);
  });
  it('returns a non-finite start as it is', () => {
    const r = minimizeLbfgs(() => Infinity, Float64Array.of(1, 2), 1e-9, 100);
    expect(r).toMatchObject({ value: Infinity, passes: 1, converged: false });
    expect(Array.from(r.theta)).toEqual([1, 2]);
  });
  it('backtracks out of a region where f is +∞ (a trial step too long)', () => {
    // f = (θ − 1)² − 40θ for θ < 3, +∞ beyond: its steps toward the unconstrained minimum overshoot into +∞.
    const f: Objective = (t, g) => {
      if (t[0]! >= 3) return Infinity;
      g[0] = 2 * (t[0]! - 1) - 40;
      return (t[0]! - 1) ** 2 - 40 * t[0]!;
    };
    // Unconstrained minimum at θ = 21 lies in the +∞ region: the solver must stay finite below 3.
    const r = minimizeLbfgs(f, Float64Array.of(0), 1e-9, 200);
    expect(Number.isFinite(r.value)).toBe(true);
    expect(r.theta[0]).toBeLessThan(3);
    expect(r.theta[0]).toBeGreaterThan(2.9);
  });
});
