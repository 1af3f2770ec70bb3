import { describe, expect, it } from 'vitest';
import { packRight } from '../model/packing.js';
import * as T from '../tensor/index.js';
import { trainedTokenNll, trainedTokens } from '../train/common/trained-tokens.js';
import { tinyModel } from '../train/test-helpers/fixtures.js';
import { recordingLog } from '../train/test-helpers/run-logs.js';
import { Rng } from '../util/rng.js';
import { type RankedSequences, rankedAccuracy, trainRankedRm } from './ranked-rm.js';

/** K = 3 rankings of random token rows: more copies of token 7 rank higher (ties give no pair). */
function rankings(n: number, seed: number): RankedSequences[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const counts = rng.shuffle([0, 1, 2]);
    const seqs = counts.map((c) => {
      const ids = Array.from({ length: 6 }, () => 10 + rng.int(20));
      for (let k = 0; k < c; k++) ids[1 + 2 * k] = 7;
      return { ids, responseStart: 0 };
    });
    const pairs = [];
    for (let a = 0; a < 3; a++)
      for (let b = 0; b < 3; b++) if (counts[a] > counts[b]) pairs.push({ winner: a, loser: b });
    return { seqs, pairs };
  });
}

/** Six epochs of 8 rankings a step at a learning rate that learns them. */
const SIX_EPOCHS = {
  epochs: 6,
  batchRankings: 8,
  lr: 3e-3,
  weightDecay: 0,
  seed: 0,
  padId: 0,
  evalsPerEpoch: 1,
  quiet: true,
};

describe('trainRankedRm', () => {
  it('learns a separable ranking and keeps the best tuning checkpoint as a copy', () => {
    const rm = tinyModel(40, 1).clone({ scalarHead: 'fresh', rng: new Rng(2) });
    const tune = rankings(16, 3);
    const before = rankedAccuracy(rm, tune, 0);
    const r = trainRankedRm(rm, rankings(48, 4), tune, SIX_EPOCHS);
    expect(r.steps).toBe(36);
    expect(r.tuneAccuracy).toBeGreaterThan(0.9);
    expect(r.tuneAccuracy).toBeGreaterThan(before);
    expect(rankedAccuracy(r.model, tune, 0)).toBeCloseTo(r.tuneAccuracy, 10);
    expect(rankedAccuracy(r.model, rankings(16, 5), 0)).toBeGreaterThan(0.85);
    expect(r.bestStep).toBeGreaterThan(0);
    expect(r.model).not.toBe(rm);
  });

  it("with lmCoef the trunk also learns the best candidates' tokens, the ranking still learned", () => {
    const data = rankings(48, 4);
    const best = data.map(
      (r) => r.seqs[r.pairs.find((p) => !r.pairs.some((q) => q.loser === p.winner))!.winner],
    );
    const nll = (m: ReturnType<typeof tinyModel>) =>
      T.noGrad(() => {
        const batch = packRight(best, 0, 64);
        return trainedTokenNll(m, batch, trainedTokens(batch), { reduction: 'mean' }).item();
      });
    const train = (lmCoef: number) => {
      const rm = tinyModel(40, 1).clone({ scalarHead: 'fresh', rng: new Rng(2) });
      const { log, records } = recordingLog();
      const r = trainRankedRm(rm, data, [], { ...SIX_EPOCHS, lmCoef, log });
      const logged = records.map((x) => x.lm_loss);
      return { nll: nll(r.model), accuracy: rankedAccuracy(r.model, rankings(16, 5), 0), logged };
    };
    const plain = train(0);
    const regularised = train(1);
    expect(regularised.nll).toBeLessThan(plain.nll - 0.3);
    expect(plain.logged.every((x) => x === undefined)).toBe(true);
    expect(regularised.logged.every((x) => x > 0)).toBe(true);
    expect(regularised.accuracy).toBeGreaterThan(0.85);
  });

  it('without a tuning set keeps the last step; refuses empty data and models without a head', () => {
    const rm = tinyModel(40, 1).clone({ scalarHead: 'fresh', rng: new Rng(2) });
    const opts = {
      epochs: 1,
      batchRankings: 4,
      lr: 1e-3,
      weightDecay: 0,
      seed: 0,
      padId: 0,
      evalsPerEpoch: 1,
      quiet: true,
    };
    const r = trainRankedRm(rm, rankings(8, 6), [], opts);
    expect(r.model).toBe(rm);
    expect(r.bestStep).toBe(2);
    expect(Number.isNaN(r.tuneAccuracy)).toBe(true);
    expect(() => trainRankedRm(rm, [], [], opts)).toThrow(/no training rankings/);
    expect(() => trainRankedRm(tinyModel(40), rankings(2, 7), [], opts)).toThrow(/needs a scalar head/);
    expect(Number.isNaN(rankedAccuracy(rm, [], 0))).toBe(true);
  });
});
