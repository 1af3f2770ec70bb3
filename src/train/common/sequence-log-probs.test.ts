import { describe, expect, it } from 'vitest';
import { responseLogProbs } from '../../model/transformer.js';
import * as T from '../../tensor/index.js';
import { Rng } from '../../util/rng.js';
import { tinyModel } from '../test-helpers/fixtures.js';
import { sequenceLogProbs, sequenceLogProbsNoGrad } from './sequence-log-probs.js';

const V = 30;
const rng = new Rng(3);
const tokens = (n: number) => Array.from({ length: n }, () => 1 + rng.int(V - 1));
// prompts and answers of different lengths, an empty answer, a plain text and an empty sequence
const seqs = [
  { ids: tokens(12), responseStart: 5 },
  { ids: tokens(4), responseStart: 3 },
  { ids: tokens(9), responseStart: 9 },
  { ids: tokens(20), responseStart: 2 },
  { ids: tokens(6), responseStart: 0 },
  { ids: [], responseStart: 0 },
];

describe('sequenceLogProbs', () => {
  it("sums each answer's token log-probs as a pass over it alone does, gradients included", () => {
    const model = tinyModel(V, 4, 'llama');
    const weights = [0.5, -1, 2, 1.5, -0.7, 3];
    const alone = seqs.slice(0, 5).map((s) => {
      const b = { ids: Int32Array.from(s.ids), B: 1, T: s.ids.length };
      return responseLogProbs(model, b, Int32Array.of(s.responseStart));
    });
    const aloneSum = alone.map((a) => T.sum(a.logProbs));
    const packed = sequenceLogProbs(model, seqs, 0);
    aloneSum.forEach((a, i) => {
      expect(packed.logProbs.data[i]).toBeCloseTo(a.data[0], 4);
      expect(packed.tokens[i]).toBe(alone[i].mask.reduce((x, m) => x + m, 0));
    });
    expect(Array.from(packed.tokens)).toEqual([7, 1, 0, 18, 5, 0]);
    expect(Math.abs(packed.logProbs.data[5])).toBe(0); // an empty sequence: nothing to score
    expect(Array.from(sequenceLogProbsNoGrad(model, seqs, 0, 2).logProbs)).toEqual(
      Array.from(packed.logProbs.data).map((x) => expect.closeTo(x, 5)),
    );
    // the gradient of Σ w_i·log π(y_i|x_i) through the packed pass and through each pass alone
    const grads = (loss: () => T.Tensor) => {
      for (const p of model.params.values()) p.grad = null;
      T.scope(() => T.backward(loss()));
      return [...model.params.values()].map((p) => Float32Array.from(p.grad ?? new Float32Array(p.size)));
    };
    const viaPacked = grads(() =>
      T.sum(T.mul(sequenceLogProbs(model, seqs, 0).logProbs, T.tensor(weights, [6]))),
    );
    const viaAlone = grads(() =>
      seqs
        .slice(0, 5)
        .map((s, i) => {
          const b = { ids: Int32Array.from(s.ids), B: 1, T: s.ids.length };
          return T.scale(
            T.sum(responseLogProbs(model, b, Int32Array.of(s.responseStart)).logProbs),
            weights[i],
          );
        })
        .reduce((a, x) => T.add(a, x)),
    );
    expect(viaAlone.some((g) => g.some((x) => Math.abs(x) > 1e-3))).toBe(true);
    viaPacked.forEach((g, k) => {
      g.forEach((x, i) => {
        expect(x).toBeCloseTo(viaAlone[k][i], 4);
      });
    });
  });
});
