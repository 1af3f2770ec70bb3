import { describe, expect, it } from 'vitest';
import { responseLogProbs, type Transformer } from '../../model/transformer.js';
import * as T from '../../tensor/index.js';
import { Rng } from '../../util/rng.js';
import { tinyModel } from '../test-helpers/fixtures.js';
import { packAll, packedLogProbs, packedValues, packRows } from './packed-rollouts.js';
import { type RolloutBatch, responseMask, rolloutBatch, selectResponseRows } from './rollout.js';

const V = 40;
const PAD = 0;
const rng = new Rng(11);
const tokens = (n: number) => Array.from({ length: n }, () => 1 + rng.int(V - 1));
// prompts of 3–17 tokens, responses of 0–20 (an empty one included)
const prompts = Array.from({ length: 6 }, (_, i) => tokens(3 + ((i * 7) % 15)));
const responses = [tokens(20), tokens(1), tokens(0), tokens(9), tokens(14), tokens(5)];
const batch = rolloutBatch(prompts, responses, PAD, 64);
const rows = [4, 0, 2, 5];

/** The response layout (B, L) of a full-layout (B, T) array: its columns Tp … Tp+L−1. */
function responseColumns(full: Float32Array, b: RolloutBatch): Float32Array {
  const out = new Float32Array(b.B * b.L);
  for (let r = 0; r < b.B; r++) out.set(full.subarray(r * b.T + b.Tp, r * b.T + b.Tp + b.L), r * b.L);
  return out;
}

/** Every row's response starts at column Tp of the aligned layout. */
const atTp = (b: RolloutBatch) => new Int32Array(b.B).fill(b.Tp);

/** Σ over real response tokens of w·x — a loss whose gradient reaches every weight. */
function weightedSum(x: T.Tensor, rowsMask: Float32Array, w: Float32Array): T.Tensor {
  return T.sum(
    T.mul(
      x,
      T.tensor(
        Float32Array.from(w, (v, i) => v * rowsMask[i]),
        x.shape,
      ),
    ),
  );
}

function gradsOf(model: Transformer, loss: () => T.Tensor): Float32Array[] {
  for (const p of model.params.values()) p.grad?.fill(0);
  T.scope(() => T.backward(loss()));
  return [...model.params.values()].map((p) => Float32Array.from(p.grad ?? new Float32Array(p.size)));
}

describe('packRows', () => {
  it('lays the rollouts [prompt][response] side by side in rows as wide as the longest', () => {
    const p = packAll(batch);
    const longest = Math.max(...prompts.map((q, r) => q.length + responses[r].length));
    expect(p.T).toBe(Math.ceil(longest / 8) * 8);
    expect(p.B).toBeLessThan(batch.B);
    expect(p.B * p.T).toBeLessThan(0.7 * batch.B * batch.T);
    prompts.forEach((q, r) => {
      expect(Array.from(p.ids.subarray(p.first[r], p.first[r] + p.length[r]))).toEqual([
        ...q,
        ...responses[r],
      ]);
      expect(p.first[r] + p.responseStart[r]).toBe(p.first[r] + q.length);
      expect(p.length[r] - p.responseStart[r]).toBe(responses[r].length);
    });
  });

  it("gives the aligned layout's log-probs, values and scores, and their gradients", () => {
    const policy = tinyModel(V, 2);
    const value = policy.clone({ scalarHead: 'fresh', rng: new Rng(5) });
    const { L } = batch;
    const mask = selectResponseRows(responseMask(batch), L, rows);
    const w = Float32Array.from({ length: rows.length * L }, () => rng.normal(0, 1));
    const packed = packRows(batch, rows);
    // the aligned layout: one left-padded row per rollout, responses from column Tp
    const aligned = (perToken: (b: typeof batch) => T.Tensor) =>
      T.tensor(selectResponseRows(responseColumns(perToken(batch).data, batch), L, rows), [rows.length, L]);
    const logpAligned = () => aligned((b) => responseLogProbs(policy, b, atTp(b)).logProbs);
    const valuesAligned = (b: typeof batch) => {
      const v = value.scalarsFrom(value.hidden(b));
      return T.concat([T.zeros([b.B, 1]), T.slice(v, 1, 0, b.T - 1)], 1); // entry t: the value read at t − 1
    };
    const close = (a: Float32Array, b: Float32Array, where: Float32Array) =>
      Array.from(a).forEach((x, i) => {
        if (where[i]) expect(x).toBeCloseTo(b[i], 4);
      });
    T.noGrad(() => {
      const logp = packedLogProbs(policy, packed, L, 1).data;
      close(logp, logpAligned().data, mask);
      // past each response's end: 0, as the aligned layout gives
      mask.forEach((m, i) => {
        if (!m) expect(Math.abs(logp[i])).toBe(0);
      });
      close(packedValues(value, packed, L).data, aligned(valuesAligned).data, mask);
      const scores = value.scalarAtLast(packed).data;
      const atLast = value.scalarAtLast(batch).data;
      rows.forEach((r, i) => {
        // the aligned layout reads an empty response's score at its one pad
        if (responses[r].length > 0) expect(scores[i]).toBeCloseTo(atLast[r], 4);
      });
    });
    // gradients: the aligned rows as a batch of their own (their rows of the full layout)
    const sub = rolloutBatch(
      rows.map((r) => prompts[r]),
      rows.map((r) => responses[r]),
      PAD,
      64,
    );
    const subL = sub.L;
    const subW = new Float32Array(rows.length * subL);
    const subMask = responseMask(sub);
    for (let i = 0; i < rows.length; i++)
      for (let j = 0; j < Math.min(L, subL); j++) subW[i * subL + j] = w[i * L + j];
    const cut = (x: T.Tensor) => T.slice(x, 1, sub.Tp, sub.Tp + subL);
    const pairs: [Transformer, () => T.Tensor, () => T.Tensor][] = [
      [
        policy,
        () => weightedSum(cut(responseLogProbs(policy, sub, atTp(sub)).logProbs), subMask, subW),
        () => weightedSum(packedLogProbs(policy, packed, L, 1), mask, w),
      ],
      [
        value,
        () => weightedSum(cut(valuesAligned(sub)), subMask, subW),
        () => weightedSum(packedValues(value, packed, L), mask, w),
      ],
    ];
    for (const [model, viaAligned, viaPacked] of pairs) {
      const want = gradsOf(model, viaAligned);
      const got = gradsOf(model, viaPacked);
      expect(want.some((g) => g.some((x) => Math.abs(x) > 1e-3))).toBe(true);
      got.forEach((g, k) => {
        Array.from(g).forEach((x, i) => {
          expect(x).toBeCloseTo(want[k][i], 4);
        });
      });
    }
  });
});
