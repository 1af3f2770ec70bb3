/**
 * What training adds to the model's padded batches (model/padding.ts, re-exported here): the
 * next-token targets of a right-padded batch, and fitting a sequence into the context.
 */
import { padRight, roundUp, type Sequence } from '../../model/padding.js';
import type { TokenBatch } from '../../model/transformer.js';

// the batches the model reads live in model/, so that evaluation (a layer below) builds them alike
export { padRight, roundUp, type Sequence };

/** Ignore index of the next-token targets: positions whose target is not trained. */
export const IGNORE = -1;

/**
 * Next-token targets (B·T) for a right-padded batch: position t predicts token t + 1. Only
 * response tokens are trained (the prompt is given, not learned), or every
 * token from position 0 when `allTokens` (pretraining on plain text).
 */
export function nextTokenTargets(
  batch: TokenBatch & { responseStart: Int32Array },
  allTokens = false,
): Int32Array {
  const { B, T, ids } = batch;
  const targets = new Int32Array(B * T).fill(IGNORE);
  for (let b = 0; b < B; b++) {
    const len = batch.end?.[b] ?? T;
    const from = allTokens ? 1 : Math.max(1, batch.responseStart[b]);
    for (let t = from; t < len; t++) targets[b * T + t - 1] = ids[b * T + t];
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
