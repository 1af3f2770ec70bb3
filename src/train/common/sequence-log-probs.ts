/**
 * How the offline preference trainers (DPO, KTO) score an answer: log π(y|x), the sum of its
 * response tokens' log-probs (the end token included) through the chat template. Sequences are
 * right-padded into one forward pass; the frozen reference's scores, and held-out ones, are the
 * same numbers computed without gradients, a batch at a time.
 */
import { responseLogProbs, type Transformer } from '../../model/transformer.js';
import * as T from '../../tensor/index.js';
import { padRight, type Sequence } from './batch.js';

/** Each sequence's summed response log-prob (a tensor while training, numbers otherwise) and its count of response tokens. */
export interface SequenceScores<X> {
  logProbs: X;
  tokens: Float32Array;
}

/** Summed response log-probs of `seqs`, differentiable: one right-padded forward pass. */
export function sequenceLogProbs(
  model: Transformer,
  seqs: readonly Sequence[],
  padId: number,
): SequenceScores<T.Tensor> {
  const batch = padRight(seqs, padId, model.config.contextLength);
  const { logProbs, mask } = responseLogProbs(model, batch, batch.responseStart); // (n, T), 0 off the response
  return { logProbs: T.sum(logProbs, 1), tokens: rowSums(mask, seqs.length) };
}

/** Sums of the `rows` rows of a row-major matrix. */
function rowSums(x: Float32Array, rows: number): Float32Array {
  const cols = x.length / rows;
  return Float32Array.from({ length: rows }, (_, r) =>
    x.subarray(r * cols, (r + 1) * cols).reduce((a, v) => a + v, 0),
  );
}

/**
 * `body(from, to)` on consecutive slices of `n` items, `batchSize` at a time, without gradients and
 * each in its own tensor scope, so no batch's activations outlive it.
 */
export function noGradBatches(n: number, batchSize: number, body: (from: number, to: number) => void): void {
  T.noGrad(() => {
    for (let i = 0; i < n; i += batchSize) T.scope(() => body(i, Math.min(n, i + batchSize)));
  });
}

/** The same scores as numbers, without gradients, `batchSize` sequences a forward pass. */
export function sequenceLogProbsNoGrad(
  model: Transformer,
  seqs: readonly Sequence[],
  padId: number,
  batchSize: number,
): SequenceScores<Float32Array> {
  const out = { logProbs: new Float32Array(seqs.length), tokens: new Float32Array(seqs.length) };
  noGradBatches(seqs.length, batchSize, (from, to) => {
    const s = sequenceLogProbs(model, seqs.slice(from, to), padId);
    out.logProbs.set(s.logProbs.data, from);
    out.tokens.set(s.tokens, from);
  });
  return out;
}
