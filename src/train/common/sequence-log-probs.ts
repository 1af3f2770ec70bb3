/**
 * How the offline preference trainers (DPO, KTO) score an answer: log π(y|x), the sum of its
 * response tokens' log-probs (the end token included) through the chat template. Sequences are
 * packed into one forward pass; the frozen reference's scores, and held-out ones, are the same
 * numbers computed without gradients, a batch at a time.
 */
import { cellsOf } from '../../model/padding.js';
import type { Transformer } from '../../model/transformer.js';
import * as T from '../../tensor/index.js';
import { IGNORE, nextTokenTargets, packRight, type Sequence } from './batch.js';

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
  const targets = nextTokenTargets(batch);
  const nll = T.crossEntropy(model.logits(batch), targets, { ignoreIndex: IGNORE, reduction: 'none' }); // (B, T)
  // each sequence's response cells side by side, (n, longest response), a shorter response's
  // extra cells masked out
  const n = seqs.length;
  const tokens = Float32Array.from({ length: n }, (_, i) =>
    Math.max(0, batch.length[i] - Math.max(1, batch.responseStart[i])),
  );
  const width = Math.max(1, ...tokens);
  const cells = new Int32Array(n * width);
  const mask = new Float32Array(n * width);
  for (let i = 0; i < n; i++) {
    const from = batch.first[i] + Math.max(1, batch.responseStart[i]) - 1;
    for (let j = 0; j < tokens[i]; j++) {
      cells[i * width + j] = from + j;
      mask[i * width + j] = 1;
    }
  }
  const perToken = cellsOf(nll, cells, [n, width]);
  return { logProbs: T.neg(T.sum(T.mul(perToken, T.tensor(mask, [n, width])), 1)), tokens };
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
