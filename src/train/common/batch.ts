/**
 * What training adds to the model's batches (model/padding.ts and packing.ts, re-exported here):
 * fitting a sequence into the context (trained-tokens.ts says which of a batch's tokens train).
 */
import { packRight } from '../../model/packing.js';
import { padRight, roundUp, type Sequence, type SequenceBatch } from '../../model/padding.js';

// the batches the model reads live in model/, so that evaluation (a layer below) builds them alike
export { packRight, padRight, roundUp, type Sequence, type SequenceBatch };

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
