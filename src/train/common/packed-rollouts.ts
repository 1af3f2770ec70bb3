/**
 * Rollouts packed for a model pass (model/packing.ts): each rollout's [prompt][response] laid side
 * by side with others in rows as wide as the longest, instead of one left-padded row each as wide
 * as the longest prompt plus the longest response. Replies of 1 to 40 tokens after prompts of
 * different lengths leave about half of the aligned layout's cells padding; packed, a pass over
 * the same rollouts computes about a third fewer cells. What a pass gives back is brought to
 * the (n, L) response layout that GAE and the losses use by a gather (its backward scatters back).
 */
import { type PackedBatch, packSequences } from '../../model/packing.js';
import { cellsOf, type SequenceBatch } from '../../model/padding.js';
import type { Transformer } from '../../model/transformer.js';
import * as T from '../../tensor/index.js';
import { roundUp } from './batch.js';
import type { RolloutBatch } from './rollout.js';
import { bySequence, trainedTokenNll, trainedTokens } from './trained-tokens.js';

/** Rollouts packed: where each lies, and where its response starts (after its prompt). */
export type PackedRollouts = PackedBatch & SequenceBatch;

/** Rollouts `rows` of a batch, packed (in that order). */
export function packRows(batch: RolloutBatch, rows: readonly number[]): PackedRollouts {
  const seqs = rows.map((r) =>
    batch.ids.subarray(r * batch.T + batch.start[r], r * batch.T + batch.Tp + batch.lengths[r]),
  );
  const longest = Math.max(...seqs.map((s) => s.length));
  const packed = packSequences(seqs, batch.padId, roundUp(longest, 8));
  return { ...packed, responseStart: Int32Array.from(rows, (r) => batch.Tp - batch.start[r]) };
}

/** Every rollout of a batch, packed. */
export function packAll(batch: RolloutBatch): PackedRollouts {
  return packRows(
    batch,
    Array.from({ length: batch.B }, (_, i) => i),
  );
}

/**
 * log π(response token j | what precedes it) under `model`, (n, L) response layout, 0 past each
 * response's end; differentiable. `temperature` divides the logits first, as the sampler does.
 */
export function packedLogProbs(
  model: Transformer,
  p: PackedRollouts,
  L: number,
  temperature: number,
): T.Tensor {
  const tokens = trainedTokens(p); // each rollout's response tokens
  return T.neg(bySequence(trainedTokenNll(model, p, tokens, { temperature }), tokens, L)); // (n, L)
}

/**
 * The value model's estimate before each response token, (n, L) response layout, 0 past each
 * response's end; differentiable. The cell that predicts a token holds the state it follows.
 */
export function packedValues(value: Transformer, p: PackedRollouts, L: number): T.Tensor {
  const tokens = trainedTokens(p);
  const values = value.scalarsFrom(value.hidden(p)); // (B, T)
  return bySequence(cellsOf(values, tokens.cells), tokens, L); // (n, L)
}
