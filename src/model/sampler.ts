import type { Backend } from '../kernels/backend.js';
import type { Rng } from '../util/rng.js';

/**
 * Picking the next token of each row: greedy, or sampling at a temperature with optional top-k
 * and top-p (nucleus) truncation.
 *
 * The probabilities softmax(logits / temperature) of all rows come from the kernel backend in one
 * call (`rowProbabilities`); then each row draws one token in a single pass. The log-probability
 * returned is that of the chosen token under softmax(logits / temperature) — before truncation —
 * which is what a policy-gradient learner recomputes at training time (responseLogProbs with the
 * same temperature). Greedy reports it at temperature 1.
 */
export interface SamplerOptions {
  greedy: boolean;
  temperature: number;
  /** Keep only the k most likely tokens (0 = off). */
  topK: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p (1 = off). */
  topP: number;
}

export function checkSamplerOptions(o: SamplerOptions): void {
  if (!o.greedy && !(o.temperature > 0))
    throw new Error(`sampling: temperature must be > 0, got ${o.temperature}`);
  if (!Number.isInteger(o.topK) || o.topK < 0)
    throw new Error(`sampling: topK must be an integer ≥ 0, got ${o.topK}`);
  if (!(o.topP > 0 && o.topP <= 1)) throw new Error(`sampling: topP must be in (0, 1], got ${o.topP}`);
}

/** Reusable work arrays for one vocabulary size (no allocation per token). */
export class SamplerScratch {
  readonly idx: Int32Array;
  readonly sel: Float32Array;
  /** Row probabilities, grown to rows·vocab on demand. */
  probs = new Float32Array(0);
  constructor(readonly vocab: number) {
    this.idx = new Int32Array(vocab);
    this.sel = new Float32Array(vocab);
  }
}

/**
 * softmax(logits / temperature) of `rows` rows (temperature 1 when greedy) into scratch.probs,
 * one scale and one softmax kernel call for the whole batch. Returns the probabilities.
 */
export function rowProbabilities(
  be: Backend,
  logits: Float32Array,
  rows: number,
  o: SamplerOptions,
  s: SamplerScratch,
): Float32Array {
  const n = rows * s.vocab;
  if (s.probs.length < n) s.probs = new Float32Array(n);
  const p = s.probs.subarray(0, n);
  const t = o.greedy ? 1 : o.temperature;
  if (t !== 1) {
    be.unary('scale', logits, p, n, 1 / t);
    be.softmax(p, rows, s.vocab, p);
  } else be.softmax(logits, rows, s.vocab, p);
  return p;
}

export interface Sampled {
  id: number;
  logProb: number;
}

/**
 * Picks a token of one row from its logits and its probabilities (from rowProbabilities).
 * Greedy and top-k compare logits (exact order); sampling walks the probabilities.
 */
export function pickToken(
  logits: Float32Array,
  p: Float32Array,
  o: SamplerOptions,
  rng: Rng,
  s: SamplerScratch,
): Sampled {
  const V = logits.length;
  if (o.greedy) {
    let best = 0;
    for (let i = 1; i < V; i++) if (logits[i] > logits[best]) best = i;
    return { id: best, logProb: Math.log(p[best]) };
  }
  let threshold = Number.NEGATIVE_INFINITY;
  if (o.topK > 0 && o.topK < V) {
    s.sel.set(logits);
    threshold = kthLargest(s.sel, V, o.topK); // ties at the threshold are kept
  }
  if (o.topP < 1) {
    // Only tokens with p ≥ (1 − topP)/(V − 1) of the kept mass can be in the nucleus (llama2.c's
    // cut): sort just those, most likely first, and keep the shortest prefix reaching topP.
    let mass = 0;
    for (let i = 0; i < V; i++) if (logits[i] >= threshold) mass += p[i];
    const cutoff = ((1 - o.topP) / (V - 1)) * mass;
    let n = 0;
    for (let i = 0; i < V; i++) if (logits[i] >= threshold && p[i] >= cutoff && p[i] > 0) s.idx[n++] = i;
    const cand = Array.from(s.idx.subarray(0, n)).sort((a, b) => p[b] - p[a] || a - b);
    let cum = 0;
    let last = cand.length - 1;
    for (let j = 0; j < cand.length; j++) {
      cum += p[cand[j]];
      if (cum >= o.topP * mass) {
        last = j;
        break;
      }
    }
    let kept = 0;
    for (let j = 0; j <= last; j++) kept += p[cand[j]];
    let u = rng.uniform() * kept;
    for (let j = 0; j <= last; j++) {
      u -= p[cand[j]];
      if (u < 0) return { id: cand[j], logProb: Math.log(p[cand[j]]) };
    }
    return { id: cand[last], logProb: Math.log(p[cand[last]]) };
  }
  let mass = 0;
  if (threshold === Number.NEGATIVE_INFINITY) for (let i = 0; i < V; i++) mass += p[i];
  else for (let i = 0; i < V; i++) if (logits[i] >= threshold) mass += p[i];
  let u = rng.uniform() * mass;
  let lastKept = -1;
  for (let i = 0; i < V; i++) {
    if (logits[i] < threshold || p[i] === 0) continue;
    lastKept = i;
    u -= p[i];
    if (u < 0) return { id: i, logProb: Math.log(p[i]) };
  }
  if (lastKept < 0) throw new Error('sampling: every token has probability 0 (logits hold NaN or −∞?)');
  return { id: lastKept, logProb: Math.log(p[lastKept]) }; // rounding left u ≥ 0
}

/** The k-th largest of a[0 … n−1] (1-based k) by quickselect; reorders a. */
export function kthLargest(a: Float32Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] > pivot) i++;
      while (a[j] < pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return a[target];
  }
  return a[target];
}
