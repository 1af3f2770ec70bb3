/**
 * Rollouts packed for a model pass (model/packing.ts): each rollout's [prompt][response] laid side
 * by side with others in rows as wide as the longest, instead of one left-padded row each as wide
 * as the longest prompt plus the longest response. Replies of 1 to 40 tokens after prompts of
 * different lengths leave about half of the aligned layout's cells padding; packed, a pass over
 * the same rollouts computes about a third fewer cells. What a pass gives back is brought to
 * the (n, L) response layout that GAE and the losses use by a gather (its backward scatters back).
 */
import { type PackedBatch, packSequences } from '../../model/packing.js';
import type { Transformer } from '../../model/transformer.js';
import * as T from '../../tensor/index.js';
import { roundUp } from './batch.js';
import type { RolloutBatch } from './rollout.js';

export interface PackedRollouts extends PackedBatch {
  /** Per rollout: the flat index of its first response token (= first + prompt length). */
  response: Int32Array;
  /** Per rollout: its response tokens. */
  responseLength: Int32Array;
}

/** Rollouts `rows` of a batch, packed (in that order). */
export function packRows(batch: RolloutBatch, rows: readonly number[]): PackedRollouts {
  const seqs = rows.map((r) =>
    batch.ids.subarray(r * batch.T + batch.start[r], r * batch.T + batch.Tp + batch.lengths[r]),
  );
  const longest = Math.max(...seqs.map((s) => s.length));
  const packed = packSequences(seqs, batch.padId, roundUp(longest, 8));
  const response = Int32Array.from(rows, (r, i) => packed.first[i] + batch.Tp - batch.start[r]);
  const responseLength = Int32Array.from(rows, (r) => batch.lengths[r]);
  return { ...packed, response, responseLength };
}

/** Every rollout of a batch, packed. */
export function packAll(batch: RolloutBatch): PackedRollouts {
  return packRows(
    batch,
    Array.from({ length: batch.B }, (_, i) => i),
  );
}

/**
 * Entry (i, j) of the response layout reads flat cell response[i] − 1 + j: the cell before
 * response token j, which predicts it (log-probs) and holds the value of the state before it.
 * Past a response's end it reads the rollout's last cell, which predicts nothing (masked anyway).
 */
function beforeResponseTokens(p: PackedRollouts, L: number): Int32Array {
  const n = p.response.length;
  const idx = new Int32Array(n * L);
  for (let i = 0; i < n; i++) {
    const last = p.first[i] + p.length[i] - 1;
    for (let j = 0; j < L; j++) idx[i * L + j] = Math.min(p.response[i] - 1 + j, last);
  }
  return idx;
}

/** Cells (B, T) of a pass gathered into the (n, L) response layout. */
function toResponseLayout(x: T.Tensor, p: PackedRollouts, L: number): T.Tensor {
  const n = p.response.length;
  return T.reshape(T.embedding(T.reshape(x, [p.B * p.T, 1]), beforeResponseTokens(p, L)), [n, L]);
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
  const targets = new Int32Array(p.B * p.T).fill(-1);
  p.response.forEach((at, i) => {
    for (let j = 0; j < p.responseLength[i]; j++) targets[at - 1 + j] = p.ids[at + j];
  });
  let logits = model.logits(p); // (B, T, V)
  if (temperature !== 1) logits = T.scale(logits, 1 / temperature);
  const nll = T.crossEntropy(logits, targets, { ignoreIndex: -1, reduction: 'none' }); // (B, T)
  return T.neg(toResponseLayout(nll, p, L)); // (n, L)
}

/** The value model's estimate before each response token, (n, L) response layout; differentiable. */
export function packedValues(value: Transformer, p: PackedRollouts, L: number): T.Tensor {
  return toResponseLayout(value.scalarsFrom(value.hidden(p)), p, L); // (n, L)
}

/** A reward model's score of each rollout, read at its last token, (n). */
export function packedScores(rewardModel: Transformer, p: PackedRollouts): T.Tensor {
  const last = Int32Array.from(p.first, (f, i) => f + p.length[i] - 1);
  const all = rewardModel.scalarsFrom(rewardModel.hidden(p)); // (B, T)
  return T.reshape(T.embedding(T.reshape(all, [p.B * p.T, 1]), last), [last.length]);
}
