import { describe, expect, it } from 'vitest';
import { rankingPairs } from '../data/ranking.js';
import { gradcheck, randomInput } from '../tensor/gradcheck.js';
import * as T from '../tensor/index.js';
import { Rng } from '../util/rng.js';
import { logSigmoid } from './common/functional.js';
import { dpoLoss, dpoPairLoss } from './dpo/loss.js';
import { policyLoss, valueLoss } from './ppo/loss.js';
import { rankingLoss } from './reward/loss.js';

const logSig = (x: number) => -Math.log1p(Math.exp(-x));

describe('logSigmoid', () => {
  it('is finite and exact for large margins', () => {
    const y = logSigmoid(T.tensor([-200, -1, 0, 2, 200]));
    const expected = [-200, logSig(-1), Math.log(0.5), logSig(2), 0];
    y.toArray().forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i], 5);
    });
  });
});

describe('rankingLoss', () => {
  it('matches a hand computation for K = 4 with a tie: the five pairs share 1/C(4,2) = 1/6 each', () => {
    // candidates a b c d; ranking: a > {b, c} > d  → pairs ab ac ad bd cd (b–c tied: no pair)
    const ranking = {
      candidates: ['a', 'b', 'c', 'd'].map((id) => ({ id, text: id })),
      ordering: [['a'], ['b', 'c'], ['d']],
    };
    const pairs = rankingPairs(ranking);
    expect(pairs).toHaveLength(5);
    const r = [1.5, 0.2, 0.7, -1];
    const loss = rankingLoss(T.tensor(r), [{ offset: 0, candidates: 4, pairs }]).item();
    const expected = -(logSig(1.3) + logSig(0.8) + logSig(2.5) + logSig(1.2) + logSig(1.7)) / 6;
    expect(loss).toBeCloseTo(expected, 5);
  });

  it('averages prompts, each weighing its pairs by 1/C(K,2) (K = 2 is a flat pair)', () => {
    const g1 = { offset: 0, candidates: 2, pairs: [{ winner: 0, loser: 1 }] };
    const g2 = {
      offset: 2,
      candidates: 3,
      pairs: [
        { winner: 0, loser: 1 },
        { winner: 0, loser: 2 },
        { winner: 1, loser: 2 },
      ],
    };
    // a K = 4 ranking that is all one tie but for its top answer: 3 of 6 pairs
    const g3 = {
      offset: 5,
      candidates: 4,
      pairs: [
        { winner: 0, loser: 1 },
        { winner: 0, loser: 2 },
        { winner: 0, loser: 3 },
      ],
    };
    const g4 = { offset: 9, candidates: 2, pairs: [] }; // all tied: not counted
    const r = [1, 0, 2, 1, -1, 3, 1, 0, 2, 5, 5];
    const loss = rankingLoss(T.tensor(r), [g1, g2, g3, g4]).item();
    const expected =
      (-logSig(1) + -(logSig(1) + logSig(3) + logSig(2)) / 3 + -(logSig(2) + logSig(3) + logSig(1)) / 6) / 3;
    expect(loss).toBeCloseTo(expected, 5);
  });

  it('refuses more pairs than K candidates can give', () => {
    const pairs = [
      { winner: 0, loser: 1 },
      { winner: 1, loser: 0 },
    ];
    expect(() => rankingLoss(T.tensor([1, 0]), [{ offset: 0, candidates: 2, pairs }])).toThrow(
      /2 pairs among 2 candidates/,
    );
  });

  it('has the right gradient', () => {
    const groups = [
      {
        offset: 0,
        candidates: 3,
        pairs: [
          { winner: 2, loser: 0 },
          { winner: 2, loser: 1 },
        ],
      },
      { offset: 3, candidates: 2, pairs: [{ winner: 1, loser: 0 }] },
    ];
    const r = gradcheck(([s]) => rankingLoss(s, groups), [randomInput([5], new Rng(3))]);
    expect(r.ok).toBe(true);
  });
});

describe('policyLoss', () => {
  const mask = Float32Array.from([1, 1, 1, 0]);
  it('clips at the edges 1 ± ε in the pessimistic direction', () => {
    const old = Float32Array.from([0, 0, 0, 0]);
    const logp = T.tensor([Math.log(1.5), Math.log(0.5), Math.log(1.1), 5], [1, 4]);
    const adv = Float32Array.from([1, 1, -2, 7]);
    const { loss, stats } = policyLoss(logp, old, adv, mask, 0.2);
    // token 0: A>0, ρ=1.5 → max(−1.5, −1.2) = −1.2 (clipped); token 1: A>0, ρ=0.5 → max(−0.5, −0.8) = −0.5
    // token 2: A<0, ρ=1.1 inside → 2.2; token 3 masked out
    expect(loss.item()).toBeCloseTo((-1.2 - 0.5 + 2.2) / 3, 5);
    expect(stats.clipFraction).toBeCloseTo(1 / 3, 6);
    const lr = [Math.log(1.5), Math.log(0.5), Math.log(1.1)];
    expect(stats.approxKl).toBeCloseTo(lr.reduce((s, x) => s + 0.5 * x * x, 0) / 3, 5);
  });

  it('equals −A·ρ inside the trust region, with the gradient of −A·ρ', () => {
    const old = Float32Array.from([0.1, -0.3, 0.2, 0]);
    const adv = Float32Array.from([0.5, -1, 2, 1]);
    const r = gradcheck(
      ([lp]) => policyLoss(lp, old, adv, mask, 0.2).loss,
      [{ shape: [1, 4], values: [0.12, -0.31, 0.25, 0.4] }],
    );
    expect(r.ok).toBe(true);
  });
});

describe('valueLoss', () => {
  it('takes the larger of the clipped and unclipped squared errors', () => {
    const mask = Float32Array.from([1, 1]);
    const values = T.tensor([2, 0.05], [1, 2]);
    const old = Float32Array.from([0, 0]);
    const ret = Float32Array.from([1, 1]);
    const { loss, clipFraction } = valueLoss(values, old, ret, mask, 0.2);
    // token 0: V=2 → (2−1)² = 1; clipped V=0.2 → 0.64; max 1.  token 1: V=0.05 → 0.9025 (inside the clip)
    expect(loss.item()).toBeCloseTo((0.5 * (1 + 0.9025)) / 2, 5);
    expect(clipFraction).toBe(0);
    // token 0: V=−0.5 moved toward R=−1 beyond the clip: clipped V=−0.2 has error 0.64 > 0.25, so it wins
    const clippedCase = valueLoss(T.tensor([-0.5, 0], [1, 2]), old, Float32Array.from([-1, 1]), mask, 0.2);
    expect(clippedCase.clipFraction).toBe(0.5);
    expect(clippedCase.loss.item()).toBeCloseTo((0.5 * (0.64 + 1)) / 2, 5);
  });
});

describe('dpoLoss', () => {
  it('matches −log σ(β·margin) by hand, and rises with the margin', () => {
    const pc = T.tensor([-3, -1]);
    const pr = T.tensor([-4, -1.5]);
    const { loss, margins } = dpoLoss(
      pc,
      pr,
      Float32Array.from([-3.5, -1]),
      Float32Array.from([-3.5, -1]),
      0.1,
    );
    expect(margins[0]).toBeCloseTo(0.1 * (-3 + 4 - 0), 6);
    expect(margins[1]).toBeCloseTo(0.1 * 0.5, 6);
    expect(loss.item()).toBeCloseTo(-(logSig(0.1) + logSig(0.05)) / 2, 6);
  });

  // h = (log π − log π_ref)(chosen) − (…)(rejected) = [1, 0.5] for these inputs, β = 0.1
  const pairs = () => [T.tensor([-3, -1]), T.tensor([-4, -1.5])] as const;
  const refs = [Float32Array.from([-3.5, -1]), Float32Array.from([-3.5, -1])] as const;

  it('with label smoothing ε mixes in the flipped preference: −(1−ε)·log σ(βh) − ε·log σ(−βh)', () => {
    const [pc, pr] = pairs();
    const v = { lossType: 'sigmoid', labelSmoothing: 0.2 } as const;
    const { loss } = dpoLoss(pc, pr, ...refs, 0.1, v);
    const byHand = (m: number) => -(0.8 * logSig(m) + 0.2 * logSig(-m));
    expect(loss.item()).toBeCloseTo((byHand(0.1) + byHand(0.05)) / 2, 6);
    expect(dpoPairLoss(1, 0.1, v)).toBeCloseTo(byHand(0.1), 6); // the logged metric agrees
  });

  it('IPO regresses h to 1/(2β): loss (h − 5)², gradient 2(h − 5)/n on the chosen log-prob', () => {
    const [pc, pr] = pairs();
    pc.requiresGrad = true;
    const v = { lossType: 'ipo', labelSmoothing: 0 } as const;
    const { loss, margins } = dpoLoss(pc, pr, ...refs, 0.1, v);
    expect(loss.item()).toBeCloseTo(((1 - 5) ** 2 + (0.5 - 5) ** 2) / 2, 5);
    expect(Array.from(margins)).toEqual([expect.closeTo(0.1, 6), expect.closeTo(0.05, 6)]);
    T.backward(loss);
    // below the target margin, descent raises the chosen answer's log-prob (negative gradient)
    expect(Array.from(pc.grad!)).toEqual([expect.closeTo(1 - 5, 5), expect.closeTo(0.5 - 5, 5)]);
    expect(dpoPairLoss(7, 0.1, v)).toBeCloseTo(4, 6); // past the target it pulls h back
  });
});
