import type { Rng } from '../util/rng.js';

/**
 * Picking the next token from one row of logits: greedy, or sampling at a temperature with
 * optional top-k and top-p (nucleus) truncation.
 *
 * The log-probability returned is that of the chosen token under softmax(logits / temperature)
 * — before truncation — which is what a policy-gradient learner recomputes at training time
 * (responseLogProbs with the same temperature). Greedy reports it at temperature 1.
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
  readonly p: Float64Array;
  readonly idx: Int32Array;
  readonly sel: Float32Array;
  constructor(readonly vocab: number) {
    this.p = new Float64Array(vocab);
    this.idx = new Int32Array(vocab);
    this.sel = new Float32Array(vocab);
  }
}

export interface Sampled {
  id: number;
  logProb: number;
}

export function sampleRow(logits: Float32Array, o: SamplerOptions, rng: Rng, s: SamplerScratch): Sampled {
  const V = logits.length;
  if (o.greedy) {
    let best = 0;
    for (let i = 1; i < V; i++) if (logits[i] > logits[best]) best = i;
    return { id: best, logProb: logits[best] - logSumExp(logits, 1) };
  }
  const invT = 1 / o.temperature;
  let m = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < V; i++) if (logits[i] * invT > m) m = logits[i] * invT;
  // unnormalised probabilities p_i = exp(z_i − max z)
  const p = s.p;
  let Z = 0;
  for (let i = 0; i < V; i++) {
    p[i] = Math.exp(logits[i] * invT - m);
    Z += p[i];
  }
  const logProbOf = (id: number) => logits[id] * invT - m - Math.log(Z);

  // top-k: zero everything below the k-th largest logit (ties at the threshold are kept)
  if (o.topK > 0 && o.topK < V) {
    s.sel.set(logits);
    const threshold = kthLargest(s.sel, V, o.topK);
    for (let i = 0; i < V; i++) if (logits[i] < threshold) p[i] = 0;
  }
  let mass = 0;
  for (let i = 0; i < V; i++) mass += p[i];

  if (o.topP < 1) {
    // Only tokens with p ≥ (1 − topP)/(V − 1) of the mass can be in the nucleus (llama2.c's
    // cut): sort just those, most likely first, and keep the shortest prefix reaching topP.
    const cutoff = ((1 - o.topP) / (V - 1)) * mass;
    let n = 0;
    for (let i = 0; i < V; i++) if (p[i] >= cutoff && p[i] > 0) s.idx[n++] = i;
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
      if (u < 0) return { id: cand[j], logProb: logProbOf(cand[j]) };
    }
    return { id: cand[last], logProb: logProbOf(cand[last]) };
  }

  let u = rng.uniform() * mass;
  let lastNonZero = 0;
  for (let i = 0; i < V; i++) {
    if (p[i] === 0) continue;
    lastNonZero = i;
    u -= p[i];
    if (u < 0) return { id: i, logProb: logProbOf(i) };
  }
  return { id: lastNonZero, logProb: logProbOf(lastNonZero) }; // rounding left u ≥ 0
}

function logSumExp(x: Float32Array, scale: number): number {
  let m = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < x.length; i++) if (x[i] * scale > m) m = x[i] * scale;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.exp(x[i] * scale - m);
  return m + Math.log(s);
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
