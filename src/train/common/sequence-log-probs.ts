/**
 * How the offline preference trainers (DPO, KTO) score an answer: log π(y|x), the sum of its
 * response tokens' log-probs (the end token included) through the chat template. Sequences are
 * packed into one forward pass; the frozen reference's scores, and held-out ones, are the same
 * numbers computed without gradients, a batch at a time.
 */
import type { Transformer } from '../../model/transformer.js';
import * as T from '../../tensor/index.js';
import { packRight, type Sequence } from './batch.js';
import { bySequence, trainedTokenNll, trainedTokens } from './trained-tokens.js';

/** Each sequence's summed response log-prob (a tensor while training, numbers otherwise) and its count of response tokens. */
export interface SequenceScores<X> {
  logProbs: X;
  tokens: Float32Array;
}

/** Summed response log-probs of `seqs`, differentiable: one packed forward pass. */
export function sequenceLogProbs(
  model: Transformer,
  seqs: readonly Sequence[],
  padId: number,
): SequenceScores<T.Tensor> {
  const batch = packRight(seqs, padId, model.config.contextLength);
  const trained = trainedTokens(batch);
  const tokens = Float32Array.from(
    { length: seqs.length },
    (_, i) => trained.offsets[i + 1] - trained.offsets[i],
  );
  const nll = bySequence(trainedTokenNll(model, batch, trained), trained, Math.max(1, ...tokens)); // (n, longest answer)
  return { logProbs: T.neg(T.sum(nll, 1)), tokens };
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
