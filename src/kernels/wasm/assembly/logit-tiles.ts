/**
 * Linear cross-entropy's Float64 logit tiles (../logit-tiles.ts copies them in):
 * each row's online state (max, Σ e^(x − max) − 1) and the rescaled exps e^(x − m_r)·f_r,
 * on f64x2 lanes (./row-f64.ts: x − m exact, exp64 ≤ 2 ulp, the sum compensated).
 */
import { rowAt } from './row-dispatch';
import { expScale64, expSum64, rowMax64 } from './row-f64';
import { sumLow } from './second-results';

/**
 * Linear cross-entropy's logit tiles (Float64, ../js/softmax-rows.ts splitStateRows is the
 * reference): per row r, m[r] = its max and u[r] = Σ e^(x − m) − 1 (x − m exact, the sum
 * compensated, so log d = log1p(u) keeps a dominant entry's tiny log d); u[r] = NaN where
 * the max is not finite (the caller takes such rows).
 */
export function splitStates_f64(x: usize, rows: i32, n: i32, m: usize, u: usize): void {
  for (let r = 0; r < rows; r++) {
    const xo = rowAt<f64>(x, r, n);
    const mx = rowMax64(xo, n);
    store<f64>(m + (<usize>r << 3), mx);
    store<f64>(u + (<usize>r << 3), isFinite<f64>(mx) ? expSum64(xo, 0, n, mx, 1) - 1 + sumLow() : NaN);
  }
}

/** y_rj = e^(x_rj − m_r)·f_r over `rows` Float64 rows (x − m exact; y may be x). */
export function expScaleRows_f64(x: usize, y: usize, rows: i32, n: i32, m: usize, f: usize): void {
  for (let r = 0; r < rows; r++)
    expScale64(rowAt<f64>(x, r, n), rowAt<f64>(y, r, n), n, load<f64>(m + (<usize>r << 3)), 1, load<f64>(f + (<usize>r << 3)));
}
