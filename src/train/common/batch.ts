/**
 * Turning tokenised examples into padded batches for the model (model/transformer.ts TokenBatch).
 * Training batches are right-padded: causality already hides the padding from real tokens, and
 * every row's positions start at 0, exactly as at sampling time.
 */
import type { TokenBatch } from '../../model/transformer.js';

/** One tokenised exchange: the ids and where the response starts (chat-template.ts encodeChat). */
export interface Sequence {
  ids: readonly number[];
  responseStart: number;
}

/** Ignore index of the next-token targets: positions whose target is not trained. */
export const IGNORE = -1;

/**
 * Right-pads sequences into one (B, T) batch; `end[b]` is row b's length. T is the longest row
 * rounded up to a multiple of 16 (but not past `limit`, the model's context): batches then come
 * in a few shapes only, so the buffer pool reuses their activations instead of allocating anew.
 */
export function padRight(
  seqs: readonly Sequence[],
  padId: number,
  limit = Number.POSITIVE_INFINITY,
): TokenBatch & { responseStart: Int32Array } {
  const B = seqs.length;
  const longest = Math.max(1, ...seqs.map((s) => s.ids.length));
  const T = Math.max(longest, Math.min(roundUp(longest, 16), limit));
  const ids = new Int32Array(B * T).fill(padId);
  const end = new Int32Array(B);
  const responseStart = new Int32Array(B);
  seqs.forEach((s, b) => {
    ids.set(s.ids, b * T);
    end[b] = s.ids.length;
    responseStart[b] = s.responseStart;
  });
  return { ids, B, T, start: null, end, responseStart };
}

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

/** n rounded up to a multiple of m. */
export function roundUp(n: number, m: number): number {
  return Math.ceil(n / m) * m;
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
