/**
 * Sequences packed side by side into rows, rather than one per row padded to the longest: a
 * row holds as many as fit its width (first fit, longest first), and TokenBatch.segmentStart
 * keeps them apart — each token attends to its own sequence only, and its position counts from
 * its sequence's start, so every token's result is what it would be in a row of its own (up to
 * rounding). A batch of replies of very different lengths spends a large share of a padded
 * layout's cells on padding (two fifths in the demo's PPO minibatches); packed, a seventh.
 */
import { paddedLength, type Sequence, type SequenceBatch } from './padding.js';
import type { TokenBatch } from './transformer.js';

export interface PackedBatch extends TokenBatch {
  segmentStart: Int32Array;
  /** Per sequence (in the order given): the flat index row·T + column of its first token. */
  first: Int32Array;
  /** Per sequence: its length in tokens. */
  length: Int32Array;
}

/**
 * Packs `seqs` into rows of `width` columns (at least the longest sequence); the cells left over
 * at a row's end hold `padId`, each a one-token segment that no real token sees.
 */
export function packSequences(seqs: readonly ArrayLike<number>[], padId: number, width: number): PackedBatch {
  const n = seqs.length;
  const longest = Math.max(1, ...seqs.map((s) => s.length));
  if (width < longest) throw new Error(`packSequences: width ${width} < the longest sequence (${longest})`);
  // first fit, longest first (ties in the given order): few rows, and the same rows for the same lengths
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => seqs[b].length - seqs[a].length || a - b,
  );
  const rowOf = new Int32Array(n);
  const colOf = new Int32Array(n);
  const filled: number[] = [];
  for (const i of order) {
    let r = filled.findIndex((f) => f + seqs[i].length <= width);
    if (r < 0) r = filled.push(0) - 1;
    rowOf[i] = r;
    colOf[i] = filled[r];
    filled[r] += seqs[i].length;
  }
  const B = Math.max(1, filled.length);
  const T = width;
  const ids = new Int32Array(B * T).fill(padId);
  // each pad is a segment of its own (position 0, seeing itself): a wide row's padding never
  // reaches positions past the context
  const segmentStart = Int32Array.from({ length: B * T }, (_, i) => i % T);
  const first = new Int32Array(n);
  const length = new Int32Array(n);
  seqs.forEach((s, i) => {
    first[i] = rowOf[i] * T + colOf[i];
    length[i] = s.length;
    ids.set(s, first[i]);
    segmentStart.fill(colOf[i], first[i], first[i] + s.length);
  });
  return { ids, B, T, segmentStart, first, length };
}

/**
 * padRight's twin: exchanges (or texts) packed into rows as wide as the longest, rounded up as
 * padRight rounds (so batches come in few shapes); every per-sequence result is the same.
 */
export function packRight(
  seqs: readonly Sequence[],
  padId: number,
  limit = Number.POSITIVE_INFINITY,
): SequenceBatch & PackedBatch {
  const width = paddedLength(Math.max(1, ...seqs.map((s) => s.ids.length)), limit);
  const packed = packSequences(
    seqs.map((s) => s.ids),
    padId,
    width,
  );
  return { ...packed, responseStart: Int32Array.from(seqs, (s) => s.responseStart) };
}
