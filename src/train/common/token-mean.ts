import { packRight, type Sequence, type SequenceBatch } from './batch.js';
import { noGradBatches } from './sequence-log-probs.js';

/**
 * A held-out measure per trained token: `sumOf` gives each (packed) batch's sum and its count of
 * trained tokens, computed without gradients `batchSize` sequences at a time; the result is their
 * ratio over all of `seqs` (NaN when no token is trained).
 */
export function meanPerTrainedToken(
  seqs: readonly Sequence[],
  padId: number,
  contextLength: number,
  batchSize: number,
  sumOf: (batch: SequenceBatch) => { sum: number; tokens: number },
): number {
  let total = 0;
  let count = 0;
  noGradBatches(seqs.length, batchSize, (from, to) => {
    const { sum, tokens } = sumOf(packRight(seqs.slice(from, to), padId, contextLength));
    total += sum;
    count += tokens;
  });
  return count > 0 ? total / count : Number.NaN;
}
