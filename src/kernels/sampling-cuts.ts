/**
 * The truncation cuts of the samplers, on a candidate list (see
 * sampling-candidates.ts). Each finds its threshold by selection
 * (sampling-select.ts), never by sorting the list, and keeps a set closed under
 * ties: two tokens with equal probability are kept or removed together. The
 * formulas and the choices where HF and llama.cpp differ are documented on the
 * public filters in src/sampling/filters.ts.
 */
import {
  type Candidates,
  firstMax,
  keepWhere,
  probabilities,
  weights,
} from './sampling-candidates.js';
import { kthValue, weightedSelect } from './sampling-select.js';

/** Keep the entries ≥ the k-th largest logit (ties kept). */
export function cutTopK(c: Candidates, k: number): void {
  if (k >= c.m) return;
  keepWhere(c, c.val, kthValue(c.val, c.m, k, c.sk, c.sw, -1), Number.POSITIVE_INFINITY);
}

/** The minKeep-th largest of aux (0 when minKeep ≥ m: keeps everything). */
function minKeepFloor(c: Candidates, minKeep: number): number {
  return minKeep >= c.m ? 0 : kthValue(c.aux, c.m, Math.max(1, minKeep), c.sk, c.sw, -1);
}

/** Nucleus: keep i iff Σ_{p_j > p_i} p_j < p; and the minKeep most probable. */
export function cutTopP(c: Candidates, p: number, minKeep: number): void {
  if (p >= 1 || c.m <= 1) return;
  const z = weights(c);
  for (let j = 0; j < c.m; j++) {
    c.sk[j] = -c.aux[j]!;
    c.sw[j] = c.aux[j]!;
  }
  const cut = -weightedSelect(c.sk, c.sw, c.m, p * z);
  keepWhere(c, c.aux, Math.min(cut, minKeepFloor(c, minKeep)), Number.POSITIVE_INFINITY);
}

/** Keep e^(x_i − max) ≥ p (p_i ≥ p·p_max); and the minKeep most probable. */
export function cutMinP(c: Candidates, p: number, minKeep: number): void {
  if (c.m <= 1) return;
  weights(c);
  keepWhere(c, c.aux, Math.min(p, minKeepFloor(c, minKeep)), Number.POSITIVE_INFINITY);
}

/** Keep p_i ≥ floor; and the minKeep most probable (aux must hold p). */
function keepProbable(c: Candidates, floor: number, minKeep: number): void {
  keepWhere(c, c.aux, Math.min(floor, minKeepFloor(c, minKeep)), Number.POSITIVE_INFINITY);
}

/** ε-sampling: remove p_i < ε. */
export function cutEpsilon(c: Candidates, epsilon: number, minKeep: number): void {
  if (c.m <= 1) return;
  probabilities(c);
  keepProbable(c, epsilon, minKeep);
}

/** Shannon entropy (nats) of the probabilities in aux: −Σ p ln p over p > 0. */
function entropyOfAux(c: Candidates): number {
  let h = 0;
  for (let j = 0; j < c.m; j++) {
    const p = c.aux[j]!;
    if (p > 0) h -= p * Math.log(p);
  }
  return h;
}

/** η-sampling: remove p_i < min(η, √η·e^(−H)). */
export function cutEta(c: Candidates, eta: number, minKeep: number): void {
  if (c.m <= 1) return;
  probabilities(c);
  keepProbable(c, Math.min(eta, Math.sqrt(eta) * Math.exp(-entropyOfAux(c))), minKeep);
}

/**
 * Locally typical: with ln p_i = (x_i − max) − ln Z and H = −Σ p ln p, keep the
 * tokens whose |−ln p_i − H| is at most the cut where the mass, accumulated from
 * the most typical, first reaches p (and at least the minKeep most typical).
 */
export function cutTypical(c: Candidates, p: number, minKeep: number): void {
  if (p >= 1 || c.m <= 1) return;
  const { val, aux, sk, sw, m } = c;
  const mx = val[firstMax(c)]!;
  let z = 0;
  for (let j = 0; j < m; j++) z += Math.exp(val[j]! - mx);
  const lnZ = Math.log(z);
  let h = 0;
  for (let j = 0; j < m; j++) {
    const lp = val[j]! - mx - lnZ;
    const q = Math.exp(lp);
    sw[j] = q; // p_j, kept for the selection below
    h -= lp * q;
  }
  for (let j = 0; j < m; j++) {
    aux[j] = Math.abs(-(val[j]! - mx - lnZ) - h);
    sk[j] = aux[j]!;
  }
  let cut = weightedSelect(sk, sw, m, p);
  if (minKeep > 1)
    cut = Math.max(cut, minKeep >= m ? Infinity : kthValue(aux, m, minKeep, sk, sw, 1));
  keepWhere(c, aux, Number.NEGATIVE_INFINITY, cut);
}

/** Top-nσ: keep x_i ≥ max − n·σ, σ the population standard deviation of the list. */
export function cutTopNSigma(c: Candidates, n: number): void {
  const { val, m } = c;
  if (m <= 1) return;
  let sum = 0;
  for (let j = 0; j < m; j++) sum += val[j]!;
  const mean = sum / m;
  let acc = 0;
  for (let j = 0; j < m; j++) acc += (val[j]! - mean) ** 2;
  const cut = val[firstMax(c)]! - n * Math.sqrt(acc / m);
  keepWhere(c, val, cut, Number.POSITIVE_INFINITY);
}

/**
 * XTC (exclude top choices): remove every token with p ≥ threshold except the
 * least probable of them (its ties kept), unless fewer than minKeep would remain.
 * The caller has already decided, with the configured probability, to apply it.
 */
export function cutXtc(c: Candidates, threshold: number, minKeep: number): void {
  if (c.m <= 1) return;
  probabilities(c);
  let least = Number.POSITIVE_INFINITY;
  for (let j = 0; j < c.m; j++) {
    const p = c.aux[j]!;
    if (p >= threshold && p < least) least = p;
  }
  if (least === Number.POSITIVE_INFINITY) return;
  let removed = 0;
  for (let j = 0; j < c.m; j++) if (c.aux[j]! > least) removed++;
  if (removed === 0 || c.m - removed < minKeep) return;
  keepWhere(c, c.aux, 0, least);
}
