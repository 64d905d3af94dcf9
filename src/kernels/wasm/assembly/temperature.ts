/**
 * Temperature scaling's passes (src/calibration/temperature.ts; the references are
 * ../../js/temperature-rows.ts temperatureStatsRows and temperaturePassRows).
 *
 * The fused pass, for each labelled row r (label ≥ 0) at inverse temperature β, with m_r
 * the row's max (given) and u = x − m_r ≤ 0:
 *   ties = #{u = 0},  rest = Σ_{u<0} e^(β·u),  s_k = Σ_{u<0} e^(β·u)·u^k  (k = 1, 2, 3)
 * into out[5r .. 5r + 5) (doubles); a row with label < 0 gets zeros. The caller turns
 * them into the row's NLL, slope and curvature exactly as for the JS pass.
 *
 * Arithmetic (precise): the entries promoted to double (Float32) or taken as they are
 * (Float64); u = x − m rounded once to double, as the JS pass forms it; e^(β·u) by exp64
 * (≤ 2 ulp of double; results below 2^−1022 flush to 0, where Math.exp keeps
 * subnormals: terms 2^−1022 below the ties' mass ≥ 1); four plain sums in f64x2 lanes
 * (each within n·2^−53 relative, as the JS pass's own plain sums). Fast (Float32 only,
 * for the steps far from the optimum): e^(β·u) by exp32 from the same double β·u
 * (≤ 1 ulp of float32 and the rounding of r: ≤ 2^−23 relative per term; below 2^−126
 * flushed), four entries per step; u, the products and the sums still in double. A −∞
 * entry (masked class) has u clamped to −1e308 first, so it adds e = 0 and e·u = 0
 * rather than 0·∞. Rows holding NaN or +∞ never reach here (the row constants reject
 * them).
 */
import { exp32, exp64, madd64 } from './exp';
import { hi64, lo64, loadPart, pairAt } from './lanes-f32';
import { rowMax32 } from './row-f32';
import { rowMax64 } from './row-f64';

/** The sum of a v128's two f64 lanes. */
// @ts-ignore: decorator
@inline
function laneSum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/** The sum of a v128's two i64 lanes (counts), as a double. */
// @ts-ignore: decorator
@inline
function laneCount(v: v128): f64 {
  return <f64>(i64x2.extract_lane(v, 0) + i64x2.extract_lane(v, 1));
}

/** Doubles per row of a pass, and of the row constants (FIRST of them, then a pass's at β = 1). */
const PASS: i32 = 5;
const FIRST: i32 = 6;
const STATS: i32 = FIRST + PASS;

/** Lower clamp of u: finite, so that e^(β·u) = 0 times it is 0 (not NaN) for u = −∞. */
const LOWEST: f64 = -1e308;

/** One row's five sums into o[0 .. 5). */
// @ts-ignore: decorator
@inline
function rowSums<T>(x: usize, n: i32, m: f64, beta: f64, o: usize): void {
  const mm = f64x2.splat(m);
  const bb = f64x2.splat(beta);
  const lowest = f64x2.splat(LOWEST);
  const zero = f64x2.splat(0);
  let ties = zero;
  let rest = zero;
  let s1 = zero;
  let s2 = zero;
  let s3 = zero;
  for (let i = 0; i < n; i += 2) {
    const v = pairAt<T>(x, i, n);
    const q = f64x2.eq(v, mm);
    const u = f64x2.pmax(f64x2.sub(v, mm), lowest);
    const e = v128.andnot(exp64(f64x2.mul(u, bb), zero), q);
    const eu = f64x2.mul(e, u);
    const eu2 = f64x2.mul(eu, u);
    ties = i64x2.sub(ties, q);
    rest = f64x2.add(rest, e);
    s1 = f64x2.add(s1, eu);
    s2 = f64x2.add(s2, eu2);
    s3 = madd64(eu2, u, s3);
  }
  store<f64>(o, laneCount(ties));
  store<f64>(o, laneSum(rest), 8);
  store<f64>(o, laneSum(s1), 16);
  store<f64>(o, laneSum(s2), 24);
  store<f64>(o, laneSum(s3), 32);
}

/**
 * rowSums of a Float32 row with e^(β·u) by exp32 (f32 result, ≤ 1 ulp: 2^−23 relative
 * with its rounding), four entries per step; u, the products and the sums in double.
 */
function rowSumsFast32(x: usize, n: i32, m: f64, beta: f64, o: usize): void {
  const mm = f64x2.splat(m);
  const m32 = f32x4.splat(<f32>m);
  const bb = f64x2.splat(beta);
  const lowest = f64x2.splat(LOWEST);
  const zero = f64x2.splat(0);
  let ties = i32x4.splat(0);
  let rest = zero;
  let s1 = zero;
  let s2 = zero;
  let s3 = zero;
  for (let i = 0; i < n; i += 4) {
    const v = i + 4 <= n ? v128.load(x + (<usize>i << 2)) : loadPart(x + (<usize>i << 2), n - i, -Infinity);
    const q = f32x4.eq(v, m32);
    const ulo = f64x2.pmax(f64x2.sub(lo64(v), mm), lowest);
    const uhi = f64x2.pmax(f64x2.sub(hi64(v), mm), lowest);
    const e = v128.andnot(exp32(f64x2.mul(ulo, bb), f64x2.mul(uhi, bb)), q);
    const elo = lo64(e);
    const ehi = hi64(e);
    const eulo = f64x2.mul(elo, ulo);
    const euhi = f64x2.mul(ehi, uhi);
    const eu2lo = f64x2.mul(eulo, ulo);
    const eu2hi = f64x2.mul(euhi, uhi);
    ties = i32x4.sub(ties, q);
    rest = f64x2.add(rest, f64x2.add(elo, ehi));
    s1 = f64x2.add(s1, f64x2.add(eulo, euhi));
    s2 = f64x2.add(s2, f64x2.add(eu2lo, eu2hi));
    s3 = madd64(eu2hi, uhi, madd64(eu2lo, ulo, s3));
  }
  store<f64>(
    o,
    <f64>(i32x4.extract_lane(ties, 0) + i32x4.extract_lane(ties, 1) + i32x4.extract_lane(ties, 2) + i32x4.extract_lane(ties, 3)),
  );
  store<f64>(o, laneSum(rest), 8);
  store<f64>(o, laneSum(s1), 16);
  store<f64>(o, laneSum(s2), 24);
  store<f64>(o, laneSum(s3), 32);
}

function temperatureRows<T>(
  x: usize, labels: usize, rows: i32, n: i32, max: usize, beta: f64, fast: bool, out: usize,
): i32 {
  for (let r = 0; r < rows; r++) {
    const o = out + <usize>r * PASS * 8;
    if (load<i32>(labels + (<usize>r << 2)) < 0) {
      for (let j = 0; j < PASS; j++) store<f64>(o + (<usize>j << 3), 0);
      continue;
    }
    const xo = x + <usize>r * <usize>n * sizeof<T>();
    const m = load<f64>(max + (<usize>r << 3));
    if (sizeof<T>() == 4 && fast) rowSumsFast32(xo, n, m, beta, o);
    else rowSums<T>(xo, n, m, beta, o);
  }
  return 0;
}

/** Float32 rows: see the module doc. Returns 0 (no row is handed back). */
export function temperatureRows_f32(
  x: usize, labels: usize, rows: i32, n: i32, max: usize, beta: f64, fast: bool, out: usize,
): i32 {
  return temperatureRows<f32>(x, labels, rows, n, max, beta, fast, out);
}

/** Float64 rows: see the module doc. */
export function temperatureRows_f64(
  x: usize, labels: usize, rows: i32, n: i32, max: usize, beta: f64, fast: bool, out: usize,
): i32 {
  return temperatureRows<f64>(x, labels, rows, n, max, beta, false, out);
}

/**
 * The row constants of a fit (../../js/temperature-rows.ts temperatureStatsRows is the
 * reference): per labelled row r, out[11r .. 11r + 6) = its max m, the entries equal to m,
 * the entries above −∞, and Σ u, Σ u², min u over those (u = x − m rounded to double,
 * plain lane sums), then out[11r + 6 .. 11r + 11) the row's sums of the pass at β = 1
 * (`fast` as temperatureRows'; the row, read for its max, is still in the cache); where m
 * is not finite (NaN, +∞ or a fully masked row) only m, the caller rejects the row. Rows
 * with label < 0: zeros.
 */
function temperatureStats<T>(x: usize, labels: usize, rows: i32, n: i32, fast: bool, out: usize): i32 {
  const zero = f64x2.splat(0);
  const negInf = f64x2.splat(-Infinity);
  for (let r = 0; r < rows; r++) {
    const o = out + <usize>r * STATS * 8;
    for (let j = 0; j < STATS; j++) store<f64>(o + (<usize>j << 3), 0);
    if (load<i32>(labels + (<usize>r << 2)) < 0) continue;
    const xo = x + <usize>r * <usize>n * sizeof<T>();
    const m: f64 = sizeof<T>() == 4 ? <f64>rowMax32(xo, n) : rowMax64(xo, n);
    store<f64>(o, m);
    if (!isFinite<f64>(m)) continue;
    const mm = f64x2.splat(m);
    let ties = zero;
    let finite = zero;
    let sum = zero;
    let sum2 = zero;
    let low = zero;
    for (let i = 0; i < n; i += 2) {
      const v = pairAt<T>(xo, i, n);
      const inf = f64x2.eq(v, negInf);
      const u = v128.andnot(f64x2.sub(v, mm), inf);
      ties = i64x2.sub(ties, f64x2.eq(v, mm));
      finite = i64x2.sub(finite, v128.not(inf));
      sum = f64x2.add(sum, u);
      sum2 = madd64(u, u, sum2);
      low = f64x2.pmin(low, u);
    }
    store<f64>(o, laneCount(ties), 8);
    store<f64>(o, laneCount(finite), 16);
    store<f64>(o, laneSum(sum), 24);
    store<f64>(o, laneSum(sum2), 32);
    store<f64>(o, min<f64>(f64x2.extract_lane(low, 0), f64x2.extract_lane(low, 1)), 40);
    const first = o + <usize>FIRST * 8;
    if (sizeof<T>() == 4 && fast) rowSumsFast32(xo, n, m, 1, first);
    else rowSums<T>(xo, n, m, 1, first);
  }
  return 0;
}

/** Float32 row constants: see temperatureStats. Returns 0. */
export function temperatureStats_f32(x: usize, labels: usize, rows: i32, n: i32, fast: bool, out: usize): i32 {
  return temperatureStats<f32>(x, labels, rows, n, fast, out);
}

/** Float64 row constants: see temperatureStats. */
export function temperatureStats_f64(x: usize, labels: usize, rows: i32, n: i32, fast: bool, out: usize): i32 {
  return temperatureStats<f64>(x, labels, rows, n, false, out);
}
