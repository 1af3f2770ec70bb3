/**
 * A bag-of-words preference baseline: the floor a learned reward model must clear.
 *
 * Each answer becomes its word counts; a pair becomes the difference `x = c(chosen) − c(rejected)`,
 * and a linear score r(y) = w·c(y) is fitted by L2-regularised logistic regression on that
 * difference (Bradley–Terry with a linear reward):
 *   L(w) = Σ_i −log σ(w·x_i) + (λ/2)·‖w‖²
 * No bias term: a pair's orientation is arbitrary, so a constant would only say "the first one
 * wins". λ is chosen by k-fold cross-validation inside the training pairs, so the held-out
 * pairs are looked at once, by the final model only. Plain TypeScript, no tensors: the problem is
 * convex, small and sparse, and L-BFGS solves it in well under a second.
 */
import { Rng } from '../util/rng.js';

/** One preference: the better answer and the worse one (just the answers; the prompt is shared). */
export interface AnswerPair {
  chosen: string;
  rejected: string;
}

/** Lower-cased words (letters, digits, apostrophes inside a word). */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu) ?? [];
}

/** A sparse vector: parallel index and value arrays. */
interface Sparse {
  idx: Int32Array;
  val: Float64Array;
}

export interface BagOfWordsModel {
  vocab: Map<string, number>;
  weights: Float64Array;
  lambda: number;
}

export interface BagOfWordsOptions {
  /** A word must occur in at least this many training answers to become a feature. Default 2. */
  minCount?: number;
  /** L2 strengths tried by cross-validation (one value: no cross-validation). */
  lambdas?: readonly number[];
  /** Cross-validation folds. Default 5. */
  folds?: number;
  /** Fold-assignment seed. Default 0. */
  seed?: number;
}

const DEFAULT_LAMBDAS = [0.1, 0.3, 1, 3, 10, 30];

/** The vocabulary of the training answers: words in at least `minCount` answers, in first-seen order. */
function buildVocab(pairs: readonly AnswerPair[], minCount: number): Map<string, number> {
  const docs = new Map<string, number>();
  for (const p of pairs)
    for (const a of [p.chosen, p.rejected])
      for (const w of new Set(words(a))) docs.set(w, (docs.get(w) ?? 0) + 1);
  const vocab = new Map<string, number>();
  for (const [w, n] of docs) if (n >= minCount) vocab.set(w, vocab.size);
  return vocab;
}

/** Word counts of `text` minus those of `minus`, over the vocabulary (unknown words dropped). */
function countDifference(vocab: Map<string, number>, text: string, minus: string): Sparse {
  const acc = new Map<number, number>();
  for (const w of words(text)) {
    const i = vocab.get(w);
    if (i !== undefined) acc.set(i, (acc.get(i) ?? 0) + 1);
  }
  for (const w of words(minus)) {
    const i = vocab.get(w);
    if (i !== undefined) acc.set(i, (acc.get(i) ?? 0) - 1);
  }
  const keys = [...acc.keys()].filter((k) => acc.get(k) !== 0);
  return { idx: Int32Array.from(keys), val: Float64Array.from(keys, (k) => acc.get(k)!) };
}

const dot = (w: Float64Array, x: Sparse): number => {
  let s = 0;
  for (let j = 0; j < x.idx.length; j++) s += w[x.idx[j]] * x.val[j];
  return s;
};

/** log(1 + e^{−m}) without overflow. */
const softplusNeg = (m: number): number => (m > 0 ? Math.log1p(Math.exp(-m)) : -m + Math.log1p(Math.exp(m)));

/** L(w) and its gradient for the difference vectors `xs` (every label is "first wins"). */
function objective(w: Float64Array, xs: readonly Sparse[], lambda: number, grad: Float64Array): number {
  let loss = 0;
  for (let k = 0; k < w.length; k++) {
    loss += 0.5 * lambda * w[k] * w[k];
    grad[k] = lambda * w[k];
  }
  for (const x of xs) {
    const m = dot(w, x);
    loss += softplusNeg(m);
    const g = -1 / (1 + Math.exp(m)); // d/dm of log(1 + e^{−m}) = −σ(−m)
    for (let j = 0; j < x.idx.length; j++) grad[x.idx[j]] += g * x.val[j];
  }
  return loss;
}

/**
 * Minimises L(w) by L-BFGS (the last `memory` steps approximate the inverse Hessian) with an Armijo
 * backtracking line search; L is strictly convex, so this reaches the one optimum. Stops when the
 * gradient norm falls below `tol`·max(1, n).
 */
function fitWeights(
  xs: readonly Sparse[],
  dims: number,
  lambda: number,
  maxIters = 500,
  tol = 1e-6,
): Float64Array {
  const memory = 10;
  let w = new Float64Array(dims);
  let grad = new Float64Array(dims);
  let loss = objective(w, xs, lambda, grad);
  const ss: Float64Array[] = [];
  const ys: Float64Array[] = [];
  const dotv = (a: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let k = 0; k < a.length; k++) s += a[k] * b[k];
    return s;
  };
  const nextW = new Float64Array(dims);
  let nextGrad = new Float64Array(dims);
  for (let it = 0; it < maxIters; it++) {
    if (Math.sqrt(dotv(grad, grad)) < tol * Math.max(1, xs.length)) break;
    // two-loop recursion: dir = −H·grad
    const dir = Float64Array.from(grad);
    const alphas: number[] = [];
    for (let j = ss.length - 1; j >= 0; j--) {
      const a = dotv(ss[j], dir) / dotv(ys[j], ss[j]);
      alphas[j] = a;
      for (let k = 0; k < dims; k++) dir[k] -= a * ys[j][k];
    }
    const gamma =
      ss.length > 0
        ? dotv(ss[ss.length - 1], ys[ys.length - 1]) / dotv(ys[ys.length - 1], ys[ys.length - 1])
        : 1 / Math.max(1, xs.length);
    for (let k = 0; k < dims; k++) dir[k] *= gamma;
    for (let j = 0; j < ss.length; j++) {
      const b = dotv(ys[j], dir) / dotv(ys[j], ss[j]);
      for (let k = 0; k < dims; k++) dir[k] += ss[j][k] * (alphas[j] - b);
    }
    for (let k = 0; k < dims; k++) dir[k] = -dir[k];
    let slope = dotv(grad, dir);
    if (!(slope < 0)) {
      // not a descent direction (numerical trouble): restart from steepest descent
      ss.length = 0;
      ys.length = 0;
      for (let k = 0; k < dims; k++) dir[k] = -grad[k] / Math.max(1, xs.length);
      slope = dotv(grad, dir);
    }
    let step = 1;
    let l = loss;
    for (;;) {
      for (let k = 0; k < dims; k++) nextW[k] = w[k] + step * dir[k];
      l = objective(nextW, xs, lambda, nextGrad);
      if (l <= loss + 1e-4 * step * slope || step < 1e-10) break;
      step /= 2;
    }
    if (!(l < loss)) break; // no progress possible in float64
    const s = new Float64Array(dims);
    const y = new Float64Array(dims);
    for (let k = 0; k < dims; k++) {
      s[k] = nextW[k] - w[k];
      y[k] = nextGrad[k] - grad[k];
    }
    if (dotv(s, y) > 1e-12) {
      ss.push(s);
      ys.push(y);
      if (ss.length > memory) {
        ss.shift();
        ys.shift();
      }
    }
    w = Float64Array.from(nextW);
    [grad, nextGrad] = [nextGrad, grad];
    loss = l;
  }
  return w;
}

/** Fraction of pairs with w·x > 0 (a tie counts one half). */
function accuracyOf(w: Float64Array, xs: readonly Sparse[]): number {
  let right = 0;
  for (const x of xs) {
    const m = dot(w, x);
    right += m > 0 ? 1 : m === 0 ? 0.5 : 0;
  }
  return xs.length > 0 ? right / xs.length : Number.NaN;
}

/** Trains the baseline on `pairs`; λ by k-fold cross-validated accuracy (ties → the stronger λ). */
export function trainBagOfWords(
  pairs: readonly AnswerPair[],
  options: BagOfWordsOptions = {},
): BagOfWordsModel {
  if (pairs.length === 0) throw new Error('trainBagOfWords: no training pairs');
  const lambdas = options.lambdas ?? DEFAULT_LAMBDAS;
  if (lambdas.length === 0 || lambdas.some((l) => !(l > 0)))
    throw new Error(`trainBagOfWords: lambdas must be positive numbers, got [${lambdas.join(', ')}]`);
  const minCount = options.minCount ?? 2;
  const folds = Math.min(options.folds ?? 5, pairs.length);
  let lambda = lambdas[0];
  if (lambdas.length > 1 && folds >= 2) {
    const order = Array.from({ length: pairs.length }, (_, i) => i);
    new Rng(options.seed ?? 0).shuffle(order);
    const fold = new Int32Array(pairs.length);
    order.forEach((p, r) => {
      fold[p] = r % folds;
    });
    let best = -1;
    for (const l of [...lambdas].sort((a, b) => b - a)) {
      let right = 0;
      for (let f = 0; f < folds; f++) {
        const train = pairs.filter((_, i) => fold[i] !== f);
        const test = pairs.filter((_, i) => fold[i] === f);
        const vocab = buildVocab(train, minCount);
        const w = fitWeights(
          train.map((p) => countDifference(vocab, p.chosen, p.rejected)),
          vocab.size,
          l,
        );
        right +=
          accuracyOf(
            w,
            test.map((p) => countDifference(vocab, p.chosen, p.rejected)),
          ) * test.length;
      }
      if (right > best) {
        best = right;
        lambda = l;
      }
    }
  }
  const vocab = buildVocab(pairs, minCount);
  const weights = fitWeights(
    pairs.map((p) => countDifference(vocab, p.chosen, p.rejected)),
    vocab.size,
    lambda,
  );
  return { vocab, weights, lambda };
}

/** The linear reward of one answer: Σ_words w[word]·count. */
export function bagOfWordsScore(model: BagOfWordsModel, text: string): number {
  let s = 0;
  for (const w of words(text)) {
    const i = model.vocab.get(w);
    if (i !== undefined) s += model.weights[i];
  }
  return s;
}

/** Pairwise accuracy of the baseline on `pairs` (a tie counts one half). */
export function bagOfWordsAccuracy(model: BagOfWordsModel, pairs: readonly AnswerPair[]): number {
  return accuracyOf(
    model.weights,
    pairs.map((p) => countDifference(model.vocab, p.chosen, p.rejected)),
  );
}

/** The words with the largest positive and negative weights (what the baseline learned). */
export function topWords(model: BagOfWordsModel, k = 10): { better: string[]; worse: string[] } {
  const ranked = [...model.vocab.entries()].sort((a, b) => model.weights[b[1]] - model.weights[a[1]]);
  return {
    better: ranked.slice(0, k).map(([w]) => w),
    worse: ranked
      .slice(-k)
      .reverse()
      .map(([w]) => w),
  };
}
