/**
 * The tokens a batch trains on, and the model's next-token scores of them with the LM head run on
 * the cells that predict them and nowhere else.
 *
 * The cell of a sequence's token t predicts its token t + 1. Only response tokens are trained (the
 * prompt is given, not learned), or every token from the second when `allTokens` (plain text).
 * On chat data a third or more of a batch's cells are prompt (and a packed row ends in pads), and
 * the head's product over the vocabulary is the largest a cell has after the layers: gathering the
 * predicting cells' hidden states first spares the head, its softmax and their backward on the rest.
 */
import { cellsOf, type SequenceBatch } from '../../model/padding.js';
import type { ForwardOptions, Transformer } from '../../model/transformer.js';
import * as T from '../../tensor/index.js';

/** Where a batch's trained tokens are: M of them, sequence after sequence. */
export interface TrainedTokens {
  /** Flat (B·T) index of the cell that predicts each token, (M). */
  cells: Int32Array;
  /** The token each of those cells predicts, (M). */
  targets: Int32Array;
  /** Sequence i's tokens are entries offsets[i] … offsets[i + 1] − 1, (n + 1). */
  offsets: Int32Array;
}

/** The trained tokens of a batch of sequences, padded or packed. */
export function trainedTokens(batch: SequenceBatch, allTokens = false): TrainedTokens {
  const { ids, first, length } = batch;
  const n = first.length;
  const from = (i: number) => (allTokens ? 1 : Math.max(1, batch.responseStart[i]));
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i] + Math.max(0, length[i] - from(i));
  const cells = new Int32Array(offsets[n]);
  const targets = new Int32Array(offsets[n]);
  let k = 0;
  for (let i = 0; i < n; i++) {
    for (let t = from(i); t < length[i]; t++, k++) {
      cells[k] = first[i] + t - 1;
      targets[k] = ids[first[i] + t];
    }
  }
  return { cells, targets, offsets };
}

/**
 * Next-token logits (M, V) at the cells that predict the trained tokens; `hidden`: the batch's
 * hidden states (B, T, C), when the caller has them already (computed here otherwise).
 */
export function trainedTokenLogits(
  model: Transformer,
  batch: SequenceBatch,
  tokens: TrainedTokens,
  forward: ForwardOptions = {},
  hidden: T.Tensor = model.hidden(batch, forward),
): T.Tensor {
  const C = model.config.dim;
  return model.logitsFrom(T.embedding(T.reshape(hidden, [batch.B * batch.T, C]), tokens.cells)); // (M, V)
}

/**
 * −log π of each trained token, (M), or their mean or sum; differentiable. `temperature` divides
 * the logits first, as the sampler does, so these match the log-probs recorded while sampling.
 */
export function trainedTokenNll(
  model: Transformer,
  batch: SequenceBatch,
  tokens: TrainedTokens,
  options: {
    temperature?: number;
    forward?: ForwardOptions;
    reduction?: 'none' | 'mean' | 'sum';
    /** The batch's hidden states, when already computed (a reward model's pass reads its score from them too). */
    hidden?: T.Tensor;
  } = {},
): T.Tensor {
  let logits = trainedTokenLogits(model, batch, tokens, options.forward, options.hidden);
  const temperature = options.temperature ?? 1;
  if (temperature !== 1) logits = T.scale(logits, 1 / temperature);
  return T.crossEntropy(logits, tokens.targets, { reduction: options.reduction ?? 'none' });
}

/**
 * A per-token quantity (M) laid out one sequence per row, (n, width): entry (i, j) is sequence i's
 * token j, 0 past its last. `width` must hold the longest sequence's tokens.
 */
export function bySequence(perToken: T.Tensor, tokens: TrainedTokens, width: number): T.Tensor {
  const { offsets } = tokens;
  const n = offsets.length - 1;
  const cells = new Int32Array(n * width);
  const mask = new Float32Array(n * width);
  for (let i = 0; i < n; i++) {
    const count = offsets[i + 1] - offsets[i];
    if (count > width)
      throw new Error(`bySequence: sequence ${i} has ${count} tokens, more than the width ${width}`);
    for (let j = 0; j < count; j++) {
      cells[i * width + j] = offsets[i] + j;
      mask[i * width + j] = 1;
    }
  }
  if (perToken.size === 0) return T.zeros([n, width]);
  return T.mul(cellsOf(perToken, cells, [n, width]), T.tensor(mask, [n, width])); // (n, width)
}
