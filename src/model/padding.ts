/**
 * Tokenised exchanges as one right-padded (B, T) batch for the model (transformer.ts TokenBatch):
 * causality already hides the padding from real tokens, and every row's positions start at 0,
 * exactly as at sampling time. Training packs its sequences instead (packing.ts packRight); both
 * give a SequenceBatch, which says where each sequence lies. Evaluation pads.
 */
import * as T from '../tensor/index.js';
import type { TokenBatch } from './transformer.js';

/** One tokenised exchange: the ids and where the response starts (chat-template.ts encodeChat). */
export interface Sequence {
  ids: readonly number[];
  responseStart: number;
}

/**
 * Sequences laid out for one forward pass, one per row (padRight) or side by side (packing.ts
 * packRight), and where each lies: code that reads a batch through `first`, `length` and
 * `responseStart` does not care which layout it got.
 */
export interface SequenceBatch extends TokenBatch {
  /** Per sequence (in the order given): the flat index row·T + column of its first token. */
  first: Int32Array;
  /** Per sequence: its tokens. */
  length: Int32Array;
  /** Per sequence: the index, within it, of its first response token (0 for a plain text). */
  responseStart: Int32Array;
}

/**
 * Cells of a per-token (B, T) tensor picked by flat index (a sequence's `first` + offset), as a
 * tensor of `shape` (default: one dimension); differentiable, a gather whose backward scatters back.
 */
export function cellsOf(x: T.Tensor, cells: Int32Array, shape: number[] = [cells.length]): T.Tensor {
  return T.reshape(T.embedding(T.reshape(x, [x.size, 1]), cells), shape);
}

/**
 * Right-pads sequences into one (B, T) batch; `end[b]` is row b's length. T is the longest row
 * rounded up to a multiple of 16 (but not past `limit`, the model's context): batches then come
 * in a few shapes only, so the buffer pool reuses their activations instead of allocating anew.
 */
export function padRight(
  seqs: readonly Sequence[],
  padId: number,
  limit = Number.POSITIVE_INFINITY,
): SequenceBatch {
  const B = seqs.length;
  const T = paddedLength(Math.max(1, ...seqs.map((s) => s.ids.length)), limit);
  const ids = new Int32Array(B * T).fill(padId);
  const end = new Int32Array(B);
  const responseStart = new Int32Array(B);
  seqs.forEach((s, b) => {
    ids.set(s.ids, b * T);
    end[b] = s.ids.length;
    responseStart[b] = s.responseStart;
  });
  const first = Int32Array.from({ length: B }, (_, b) => b * T);
  return { ids, B, T, start: null, end, responseStart, first, length: end.slice() };
}

/** padRight's T for a longest row of `longest` tokens: a multiple of 16 where `limit` allows. */
export function paddedLength(longest: number, limit = Number.POSITIVE_INFINITY): number {
  return Math.max(longest, Math.min(roundUp(longest, 16), limit));
}

/** n rounded up to a multiple of m. */
export function roundUp(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}

/** The same batch read as only the sequences `which` (in that order); the layout is untouched. */
export function subsetOf(batch: SequenceBatch, which: readonly number[]): SequenceBatch {
  const pick = (a: Int32Array) => Int32Array.from(which, (i) => a[i]);
  return {
    ...batch,
    first: pick(batch.first),
    length: pick(batch.length),
    responseStart: pick(batch.responseStart),
  };
}
