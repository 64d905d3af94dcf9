/**
 * Test hooks: the SIMD exponentials and log1p over arrays, so that
 * test/kernels/wasm/exp.test.ts and log.test.ts can measure their accuracy lane by lane
 * against high-precision references (the scalar references `exp32Scalar`, `exp64Scalar`,
 * `expDiff32Scalar` and `log1p64Scalar` are exported from ./index.ts beside them).
 */
import { exp32, exp64, expDiff32 } from './exp';
import { log1p64 } from './log';

/** y_i = exp32(x_i) for f32 x_i ≤ 0 (SIMD, for the exp accuracy test). */
export function exp_f32(x: usize, y: usize, n: i32): void {
  for (let i = 0; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
    v128.store(y + (<usize>i << 2), exp32(lo, hi));
  }
}

/** y_i = expDiff32(x_i, m) (SIMD, for the exp accuracy test). */
export function expDiff_f32(x: usize, y: usize, n: i32, m: f32): void {
  for (let i = 0; i + 4 <= n; i += 4)
    v128.store(
      y + (<usize>i << 2),
      expDiff32(v128.load(x + (<usize>i << 2)), f32x4.splat(m), f32x4.splat(-m)),
    );
}

/** y_i = exp64(x_i) for x_i ≤ 0 (SIMD, for the exp accuracy test). */
export function exp_f64(x: usize, y: usize, n: i32): void {
  for (let i = 0; i + 2 <= n; i += 2)
    v128.store(y + (<usize>i << 3), exp64(v128.load(x + (<usize>i << 3)), f64x2.splat(0)));
}

/** y_i = log1p64(x_i) for x_i > −1 (SIMD, for the log1p accuracy test). */
export function log1p_f64(x: usize, y: usize, n: i32): void {
  for (let i = 0; i + 2 <= n; i += 2)
    v128.store(y + (<usize>i << 3), log1p64(v128.load(x + (<usize>i << 3))));
}
