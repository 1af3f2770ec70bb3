/**
 * What training adds to the model's batches (model/padding.ts and packing.ts, re-exported here):
 * the next-token targets of a batch of sequences, and fitting a sequence into the context.
 */
import { packRight } from '../../model/packing.js';
import { padRight, roundUp, type Sequence, type SequenceBatch } from '../../model/padding.js';

// the batches the model reads live in model/, so that evaluation (a layer below) builds them alike
export { packRight, padRight, roundUp, type Sequence, type SequenceBatch };

/** Ignore index of the next-token targets: positions whose target is not trained. */
export const IGNORE = -1;

/**
 * Next-token targets (B·T) of a batch of sequences, padded or packed: the cell of a sequence's
 * token t predicts its token t + 1. Only response tokens are trained (the prompt is given, not
 * learned), or every token from the second when `allTokens` (pretraining on plain text).
 */
export function nextTokenTargets(batch: SequenceBatch, allTokens = false): Int32Array {
  const { B, T, ids, first, length } = batch;
  const targets = new Int32Array(B * T).fill(IGNORE);
  for (let i = 0; i < first.length; i++) {
    const from = allTokens ? 1 : Math.max(1, batch.responseStart[i]);
    for (let t = from; t < length[i]; t++) targets[first[i] + t - 1] = ids[first[i] + t];
  }
  return targets;
}

/**
 * Fits a sequence into `maxLen` tokens without losing its answer: the oldest prompt tokens go
 * first (the first token, BOS or the template's opening, stays), as a long dialogue's latest turns
 * matter most; only an answer longer than the room left loses its end. A sequence cut at the front
 * keeps every response token, so scores and losses are never read on prompt tokens alone.
 */
export function truncate(seq: Sequence, maxLen: number): Sequence {
  const { ids, responseStart } = seq;
  if (ids.length <= maxLen) return seq;
  const response = ids.slice(responseStart);
  if (response.length >= maxLen - 1 || responseStart === 0) {
    if (responseStart === 0) return { ids: ids.slice(0, maxLen), responseStart: 0 };
    return { ids: [ids[0], ...response.slice(0, maxLen - 1)], responseStart: 1 };
  }
  const drop = ids.length - maxLen;
  return {
    ids: [ids[0], ...ids.slice(1 + drop, responseStart), ...response],
    responseStart: responseStart - drop,
  };
}
