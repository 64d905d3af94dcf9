/**
 * Straightforward sort-based references of the samplers, written from the
 * definitions (HF's warpers; llama.cpp's top-nσ, XTC, DRY), one row at a time,
 * on plain number arrays. Every threshold here comes from a full sort and a
 * cumulative sum — the method the library avoids — so agreement is a real check.
 */
const NEG = Number.NEGATIVE_INFINITY;

/** Indices of the finite entries sorted by value descending (stable: lower index first). */
function sortedDesc(x: readonly number[]): number[] {
  return x
    .map((_, i) => i)
    .filter((i) => x[i]! > NEG)
    .sort((a, b) => x[b]! - x[a]! || a - b);
}

/** w_i = e^(x_i − max) (0 for −∞) and Z = Σ w in index order. */
function refWeights(x: readonly number[]): { w: number[]; z: number } {
  let mx = NEG;
  for (const v of x) if (v > mx) mx = v;
  const w = x.map((v) => (v > NEG ? Math.exp(v - mx) : 0));
  let z = 0;
  for (const v of w) z += v;
  return { w, z };
}

function keepIf(x: readonly number[], keep: (i: number) => boolean): number[] {
  return x.map((v, i) => (keep(i) ? v : NEG));
}

/** The minKeep-th largest of key over the finite entries (ties kept), or −∞. */
function minKeepFloor(x: readonly number[], key: readonly number[], minKeep: number): number {
  const ks = x
    .map((_, i) => i)
    .filter((i) => x[i]! > NEG)
    .map((i) => key[i]!)
    .sort((a, b) => b - a);
  return minKeep >= ks.length ? NEG : ks[Math.max(1, minKeep) - 1]!;
}

const hasNaN = (x: readonly number[]) => x.some((v) => Number.isNaN(v));
const finiteCount = (x: readonly number[]) => x.filter((v) => v > NEG).length;

export function refTopK(x: readonly number[], k: number): number[] {
  if (hasNaN(x)) return [...x];
  const s = [...x].sort((a, b) => b - a);
  if (k >= x.length) return [...x];
  const t = s[k - 1]!;
  return keepIf(x, (i) => x[i]! >= t);
}

export function refTopP(x: readonly number[], p: number, minKeep: number): number[] {
  if (hasNaN(x) || p >= 1 || finiteCount(x) <= 1) return [...x];
  const { w, z } = refWeights(x);
  const prob = w.map((v) => v / z);
  const order = sortedDesc(x);
  const keep = new Set<number>();
  let before = 0; // mass of the groups strictly more probable
  for (let a = 0; a < order.length; ) {
    let b = a;
    let group = 0;
    while (b < order.length && prob[order[b]!] === prob[order[a]!]) group += prob[order[b++]!]!;
    if (before < p) for (let j = a; j < b; j++) keep.add(order[j]!);
    before += group;
    a = b;
  }
  const floor = minKeepFloor(x, w, minKeep);
  return keepIf(x, (i) => x[i]! > NEG && (keep.has(i) || w[i]! >= floor));
}

export function refMinP(x: readonly number[], p: number, minKeep: number): number[] {
  if (hasNaN(x) || finiteCount(x) <= 1) return [...x];
  const { w } = refWeights(x);
  const floor = minKeepFloor(x, w, minKeep);
  return keepIf(x, (i) => x[i]! > NEG && (w[i]! >= p || w[i]! >= floor));
}

function refProbFloor(x: readonly number[], floorOf: (p: number[]) => number, minKeep: number) {
  if (hasNaN(x) || finiteCount(x) <= 1) return [...x];
  const { w, z } = refWeights(x);
  const prob = w.map((v) => v / z);
  const f = floorOf(prob);
  const mk = minKeepFloor(x, prob, minKeep);
  return keepIf(x, (i) => x[i]! > NEG && (prob[i]! >= f || prob[i]! >= mk));
}

export function refEpsilon(x: readonly number[], eps: number, minKeep: number): number[] {
  return refProbFloor(x, () => eps, minKeep);
}

export function refEta(x: readonly number[], eta: number, minKeep: number): number[] {
  return refProbFloor(
    x,
    (prob) => {
      let h = 0;
      for (const p of prob) if (p > 0) h -= p * Math.log(p);
      return Math.min(eta, Math.sqrt(eta) * Math.exp(-h));
    },
    minKeep,
  );
}

/** HF's TypicalLogitsWarper, with the minKeep most typical kept as a tie-closed set. */
export function refTypical(x: readonly number[], mass: number, minKeep: number): number[] {
  if (hasNaN(x) || mass >= 1 || finiteCount(x) <= 1) return [...x];
  let mx = NEG;
  for (const v of x) if (v > mx) mx = v;
  let z = 0;
  for (const v of x) if (v > NEG) z += Math.exp(v - mx);
  const lnZ = Math.log(z);
  const fin = x.map((_, i) => i).filter((i) => x[i]! > NEG);
  const lp = (i: number) => x[i]! - mx - lnZ;
  let h = 0;
  for (const i of fin) h -= lp(i) * Math.exp(lp(i));
  const shifted = x.map((_, i) => Math.abs(-lp(i) - h));
  const order = [...fin].sort((a, b) => shifted[a]! - shifted[b]! || a - b);
  let cum = 0;
  let last = 0;
  for (const i of order) {
    cum += Math.exp(lp(i));
    if (cum < mass) last++;
  }
  last = Math.min(last, order.length - 1);
  let thr = shifted[order[last]!]!;
  if (minKeep > 1) thr = Math.max(thr, shifted[order[Math.min(minKeep, order.length) - 1]!]!);
  return keepIf(x, (i) => x[i]! > NEG && shifted[i]! <= thr);
}

export function refTopNSigma(x: readonly number[], n: number): number[] {
  if (hasNaN(x)) return [...x];
  const fin = x.filter((v) => v > NEG);
  if (fin.length <= 1) return [...x];
  let sum = 0;
  for (const v of fin) sum += v;
  const mean = sum / fin.length;
  let acc = 0;
  for (const v of fin) acc += (v - mean) ** 2;
  const mx = Math.max(...fin);
  const cut = mx - n * Math.sqrt(acc / fin.length);
  return keepIf(x, (i) => x[i]! >= cut);
}

/** XTC when the coin says apply (llama.cpp's rule, ties with the least probable kept). */
export function refXtc(x: readonly number[], threshold: number, minKeep: number): number[] {
  if (hasNaN(x) || finiteCount(x) <= 1) return [...x];
  const { w, z } = refWeights(x);
  const prob = w.map((v) => v / z);
  const order = sortedDesc(x).sort((a, b) => prob[b]! - prob[a]! || a - b);
  const above = order.filter((i) => prob[i]! >= threshold);
  if (above.length === 0) return [...x];
  const least = prob[above[above.length - 1]!]!;
  const removed = order.filter((i) => prob[i]! > least).length;
  if (removed === 0 || order.length - removed < minKeep) return [...x];
  return keepIf(x, (i) => x[i]! > NEG && prob[i]! <= least);
}

export function refPenalize(
  x: readonly number[],
  tokens: readonly number[],
  o: { repetition: number; frequency: number; presence: number; window?: number },
): number[] {
  const h = o.window === undefined ? tokens : tokens.slice(Math.max(0, tokens.length - o.window));
  const y = [...x];
  const seen = new Set<number>();
  for (const t of h) {
    if (seen.has(t)) continue;
    seen.add(t);
    const c = h.filter((u) => u === t).length;
    let l = y[t]!;
    if (l === NEG) continue;
    if (o.repetition !== 1) l = l > 0 ? l / o.repetition : l * o.repetition;
    y[t] = l - c * o.frequency - o.presence;
  }
  return y;
}

/** DRY by brute force over every earlier position (no Z-algorithm). */
export function refDry(
  x: readonly number[],
  tokens: readonly number[],
  o: { multiplier: number; base: number; allowedLength: number; breakers: readonly number[] },
): number[] {
  const h = tokens;
  const y = [...x];
  const len = h.length;
  if (o.multiplier === 0 || len <= o.allowedLength) return y;
  let limit = len;
  for (let i = 0; i < len; i++)
    if (o.breakers.includes(h[len - 1 - i]!)) {
      limit = i;
      break;
    }
  if (limit < o.allowedLength) return y;
  const best = new Map<number, number>();
  for (let j = 0; j < len - 1; j++) {
    let L = 0;
    while (L <= j && h[j - L] === h[len - 1 - L]) L++;
    L = Math.min(L, limit);
    if (L < o.allowedLength) continue;
    const t = h[j + 1]!;
    best.set(t, Math.max(best.get(t) ?? 0, L));
  }
  const maxExp = o.base > 1.000001 ? Math.floor(88.7228391 / Math.log(o.base)) : 0;
  for (const [t, L] of best) {
    if (o.breakers.includes(t) || y[t] === NEG) continue;
    let e = L - o.allowedLength;
    if (maxExp > 0 && e > maxExp) e = maxExp;
    y[t] = y[t]! - o.multiplier * o.base ** e;
  }
  return y;
}

/** HF's NoRepeatNGramLogitsProcessor: a table of every n-gram's prefix → next tokens. */
export function refNgram(x: readonly number[], tokens: readonly number[], n: number): number[] {
  const y = [...x];
  if (tokens.length + 1 < n) return y;
  const table = new Map<string, number[]>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n - 1).join(',');
    table.set(key, [...(table.get(key) ?? []), tokens[i + n - 1]!]);
  }
  for (const t of table.get(tokens.slice(tokens.length - n + 1).join(',')) ?? []) y[t] = NEG;
  return y;
}
