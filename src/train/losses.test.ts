import { describe, expect, it } from 'vitest';
import { rankingPairs } from '../data/ranking.js';
import { gradcheck, randomInput } from '../tensor/gradcheck.js';
import * as T from '../tensor/index.js';
import { Rng } from '../util/rng.js';
import { log1mexp, log1mexpOf, logSigmoid } from './common/functional.js';
import { DpoConfig, usesReference } from './dpo/config.js';
import { dpoLoss } from './dpo/loss.js';
import { dpoMetrics, preferenceTerms } from './dpo/objective.js';
import { orpoLoss } from './dpo/orpo-loss.js';
import { simpoLoss } from './dpo/simpo-loss.js';
import { OnlineDpoConfig } from './online-dpo/config.js';
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

  it('has slope σ(−x), 1/2 at exactly 0 where its two kinks meet', () => {
    const xs = [-3, -1e-3, 0, 1e-3, 3];
    const x = T.tensor(xs, [5], { requiresGrad: true });
    T.backward(T.sum(logSigmoid(x)));
    x.grad!.forEach((g, i) => {
      expect(g).toBeCloseTo(1 / (1 + Math.exp(xs[i])), 6);
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

  it('has the right gradient, with and without the centring term', () => {
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
    for (const c of [0, 0.5]) {
      const r = gradcheck(([s]) => rankingLoss(s, groups, c), [randomInput([5], new Rng(3))]);
      expect(r.ok, `centerCoef ${c}`).toBe(true);
    }
  });

  it('a pair with a margin m counts log σ(r_w − r_l − m); margin 0 is the plain pair', () => {
    const margined = { offset: 0, candidates: 2, pairs: [{ winner: 0, loser: 1, margin: 0.5 }] };
    const mixed = {
      offset: 2,
      candidates: 3,
      pairs: [
        { winner: 0, loser: 1, margin: 2 },
        { winner: 0, loser: 2 }, // no margin: 0
      ],
    };
    const r = [1, 0.2, 0.4, -1, 0.9];
    const loss = rankingLoss(T.tensor(r), [margined, mixed]).item();
    // K = 3: each of its pairs weighs 1/C(3,2) = 1/3; two prompts averaged
    const expected = (-logSig(0.8 - 0.5) + -(logSig(1.4 - 2) + logSig(-0.5)) / 3) / 2;
    expect(loss).toBeCloseTo(expected, 5);
    const zero = { ...margined, pairs: [{ winner: 0, loser: 1, margin: 0 }] };
    const none = { ...margined, pairs: [{ winner: 0, loser: 1 }] };
    expect(rankingLoss(T.tensor(r.slice(0, 2)), [zero]).item()).toBe(
      rankingLoss(T.tensor(r.slice(0, 2)), [none]).item(),
    );
    // a lead short of its margin still pulls: the loss at the right order exceeds the plain pair's
    expect(rankingLoss(T.tensor([1, 0.2]), [margined]).item()).toBeGreaterThan(-logSig(0.8) + 0.05);
    const check = gradcheck(([s]) => rankingLoss(s, [margined, mixed], 0.5), [randomInput([5], new Rng(4))]);
    expect(check.ok).toBe(true);
  });

  it("centring adds c·(r_w + r_l)² on the same weighted pairs (TRL's term for K = 2)", () => {
    const flat = { offset: 0, candidates: 2, pairs: [{ winner: 0, loser: 1 }] };
    const three = {
      offset: 2,
      candidates: 3,
      pairs: [
        { winner: 0, loser: 1 },
        { winner: 0, loser: 2 },
      ], // 1 and 2 tied
    };
    const r = [2, 1, 0.5, -1, 0.3];
    const plain = rankingLoss(T.tensor(r), [flat, three]).item();
    const centred = rankingLoss(T.tensor(r), [flat, three], 0.1).item();
    // prompt means: the flat pair's (2 + 1)², the K = 3 ranking's pairs at 1/3 each
    const term = ((2 + 1) ** 2 + ((0.5 - 1) ** 2 + (0.5 + 0.3) ** 2) / 3) / 2;
    expect(centred - plain).toBeCloseTo(0.1 * term, 5);
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
    const { loss, chosenRewards, rejectedRewards } = dpoLoss(
      pc,
      pr,
      Float32Array.from([-3.5, -1]),
      Float32Array.from([-3.5, -1]),
      0.1,
    );
    // implicit rewards β·(log π − log π_ref); a pair's margin is the chosen one's less the rejected one's
    expect(Array.from(chosenRewards)).toEqual([expect.closeTo(0.05, 6), expect.closeTo(0, 6)]);
    expect(Array.from(rejectedRewards)).toEqual([expect.closeTo(-0.05, 6), expect.closeTo(-0.05, 6)]);
    const margins = chosenRewards.map((c, i) => c - rejectedRewards[i]);
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
    // the logged metric, computed from plain log-probs, agrees
    const tokens = Float32Array.from([1, 1]);
    const policy = { chosen: Float32Array.from([-3, -1]), rejected: Float32Array.from([-4, -1.5]) };
    const ref = { chosen: refs[0], rejected: refs[1], chosenTokens: tokens, rejectedTokens: tokens };
    const settings = { ...v, beta: 0.1, simpoGamma: 0, rpoAlpha: 0, cpoAlpha: 0 };
    const metrics = dpoMetrics(settings, { ...policy, chosenTokens: tokens, rejectedTokens: tokens }, ref);
    expect(metrics.loss).toBeCloseTo((byHand(0.1) + byHand(0.05)) / 2, 6);
    expect(metrics.margin).toBeCloseTo(0.075, 6);
  });

  it('IPO regresses h to 1/(2β): loss (h − 5)², gradient 2(h − 5)/n on the chosen log-prob', () => {
    const [pc, pr] = pairs();
    pc.requiresGrad = true;
    const v = { lossType: 'ipo', labelSmoothing: 0 } as const;
    const { loss, chosenRewards, rejectedRewards } = dpoLoss(pc, pr, ...refs, 0.1, v);
    const margins = chosenRewards.map((c, i) => c - rejectedRewards[i]);
    expect(loss.item()).toBeCloseTo(((1 - 5) ** 2 + (0.5 - 5) ** 2) / 2, 5);
    expect(Array.from(margins)).toEqual([expect.closeTo(0.1, 6), expect.closeTo(0.05, 6)]);
    T.backward(loss);
    // below the target margin, descent raises the chosen answer's log-prob (negative gradient)
    expect(Array.from(pc.grad!)).toEqual([expect.closeTo(1 - 5, 5), expect.closeTo(0.5 - 5, 5)]);
    // past the target it pulls h back: h = 7 costs (7 − 5)²
    const past = dpoLoss(T.tensor([-1]), T.tensor([-8]), Float32Array.of(0), Float32Array.of(0), 0.1, v);
    expect(past.loss.item()).toBeCloseTo(4, 5);
  });
});

describe('hinge and robust DPO', () => {
  // h = [1, 0.5] as above; β = 0.1 or 2
  const pairs = () => [T.tensor([-3, -1], [2], { requiresGrad: true }), T.tensor([-4, -1.5])] as const;
  const refs = [Float32Array.from([-3.5, -1]), Float32Array.from([-3.5, -1])] as const;

  it('hinge: max(0, 1 − βh); a pair past the margin 1/β gives no gradient', () => {
    const [pc, pr] = pairs();
    const v = { lossType: 'hinge', labelSmoothing: 0 } as const;
    const { loss } = dpoLoss(pc, pr, ...refs, 1.5, v); // βh = 1.5 (past 1) and 0.75
    expect(loss.item()).toBeCloseTo((0 + 0.25) / 2, 6);
    T.backward(loss);
    expect(Array.from(pc.grad!)).toEqual([0, expect.closeTo(-1.5 / 2, 6)]);
  });

  it('robust: [(1−ε)·(−log σ(βh)) − ε·(−log σ(−βh))] / (1 − 2ε), and ε = 0 is DPO', () => {
    const [pc, pr] = pairs();
    const eps = 0.2;
    const { loss } = dpoLoss(pc, pr, ...refs, 0.1, { lossType: 'robust', labelSmoothing: eps });
    const byHand = (m: number) => ((1 - eps) * -logSig(m) - eps * -logSig(-m)) / (1 - 2 * eps);
    expect(loss.item()).toBeCloseTo((byHand(0.1) + byHand(0.05)) / 2, 6);
    T.backward(loss);
    // d/dh of the mean: −β/n · [(1−ε)·σ(−βh) + ε·σ(βh)] / (1 − 2ε)
    const sig = (x: number) => 1 / (1 + Math.exp(-x));
    const slope = (m: number) => ((-0.1 / 2) * ((1 - eps) * sig(-m) + eps * sig(m))) / (1 - 2 * eps);
    expect(Array.from(pc.grad!)).toEqual([expect.closeTo(slope(0.1), 6), expect.closeTo(slope(0.05), 6)]);
    const [c2, r2] = pairs();
    const plain = dpoLoss(c2, r2, ...refs, 0.1).loss.item();
    expect(dpoLoss(c2, r2, ...refs, 0.1, { lossType: 'robust', labelSmoothing: 0 }).loss.item()).toBeCloseTo(
      plain,
      7,
    );
  });

  it('the configs take them, with label smoothing only where it means something', () => {
    expect(DpoConfig.parse({ lossType: 'hinge' }).beta).toBe(0.1);
    expect(DpoConfig.parse({ lossType: 'robust', labelSmoothing: 0.1 }).labelSmoothing).toBe(0.1);
    expect(() => DpoConfig.parse({ lossType: 'hinge', labelSmoothing: 0.1 })).toThrow(
      /no flipped-label term/,
    );
    expect(DpoConfig.parse({ lossType: 'robust', rpoAlpha: 1 }).rpoAlpha).toBe(1);
    expect(OnlineDpoConfig.parse({ lossType: 'robust', labelSmoothing: 0.1 }).lossType).toBe('robust');
    expect(() => OnlineDpoConfig.parse({ lossType: 'hinge', labelSmoothing: 0.1 })).toThrow(
      /no flipped-label term/,
    );
  });
});

describe('RPO (DPO + NLL)', () => {
  it("adds α times the chosen answers' mean per-token NLL, with its gradient, and logs both parts", () => {
    // pairs of 2 and 4 chosen tokens; the policy is its reference, so h = 0 and DPO's loss is log 2
    const chosen = T.tensor([-3, -2], [2], { requiresGrad: true });
    const policy = {
      chosen,
      rejected: T.tensor([-5, -1]),
      chosenTokens: Float32Array.of(2, 4),
      rejectedTokens: Float32Array.of(3, 1),
    };
    const ref = {
      chosen: Float32Array.of(-3, -2),
      rejected: Float32Array.of(-5, -1),
      chosenTokens: policy.chosenTokens,
      rejectedTokens: policy.rejectedTokens,
    };
    const settings = {
      lossType: 'sigmoid',
      beta: 0.1,
      labelSmoothing: 0,
      simpoGamma: 0,
      rpoAlpha: 0.5,
      cpoAlpha: 0,
    } as const;
    const terms = preferenceTerms(settings, policy, ref);
    const nll = (3 / 2 + 2 / 4) / 2; // mean over pairs of −log π(y_w|x)/|y_w|
    expect(terms.parts.dpo_loss).toBeCloseTo(Math.LN2, 6);
    expect(terms.parts.nll_loss).toBeCloseTo(nll, 6);
    expect(terms.loss.item()).toBeCloseTo(Math.LN2 + 0.5 * nll, 6);
    T.backward(terms.loss);
    // ∂/∂log π(y_w): DPO's −β·σ(−βh)/n = −0.1·0.5/2, and RPO's −α/(n·|y_w|)
    expect(chosen.grad![0]).toBeCloseTo(-0.025 - 0.5 / (2 * 2), 6);
    expect(chosen.grad![1]).toBeCloseTo(-0.025 - 0.5 / (2 * 4), 6);
  });
});

describe('log1mexp', () => {
  it('keeps its digits near 0, where 1 − eˣ cancels', () => {
    // log(1 − eˣ) = log(−x) + log(1 + x/2 + …) for small x: at x = −1e−12 that is log(1e−12) − 5e−13
    expect(log1mexpOf(-1e-12)).toBeCloseTo(Math.log(1e-12) - 5e-13, 12);
    expect(Math.log(1 - Math.exp(-1e-17))).toBe(Number.NEGATIVE_INFINITY); // the naive form gives up
    expect(log1mexpOf(-1e-17)).toBeCloseTo(Math.log(1e-17), 12);
    expect(log1mexpOf(0)).toBe(Number.NEGATIVE_INFINITY);
  });

  it('keeps its digits far below 0, where eˣ vanishes beside 1', () => {
    // log(1 − eˣ) ≈ −eˣ − e²ˣ/2: at x = −50 the second term is below double precision
    const x = -50;
    expect(Math.log(1 - Math.exp(x))).toBe(0); // the naive form rounds to 0
    expect(log1mexpOf(x) / -Math.exp(x) - 1).toBeLessThan(1e-15);
    expect(log1mexpOf(-800)).toBe(-0); // e⁻⁸⁰⁰ underflows: log(1 − 0)
  });

  it('agrees with the plain formula where that one is exact, on both sides of −ln 2', () => {
    for (const x of [-0.1, -0.69, -0.7, -3]) expect(log1mexpOf(x)).toBeCloseTo(Math.log(1 - Math.exp(x)), 13);
  });

  it('as a tensor op: the float64 value, and the slope −eˣ/(1 − eˣ), even at x = −1e−6', () => {
    const x = T.tensor([-1e-6, -0.5, -3, -40], [4], { requiresGrad: true });
    const y = log1mexp(x);
    Array.from(y.data).forEach((v, i) => {
      expect(v).toBeCloseTo(Math.fround(log1mexpOf(x.data[i])), 5);
    });
    T.backward(T.sum(y));
    const slope = (v: number) => -Math.exp(v) / (1 - Math.exp(v));
    Array.from(x.grad!).forEach((g, i) => {
      expect(g / slope(x.data[i]) - 1).toBeLessThan(1e-5);
    });
    expect(x.grad![0]).toBeCloseTo(-1e6, -1); // about −1/|x| near 0
    const r = gradcheck(([v]) => log1mexp(v), [{ shape: [3], values: [-0.01, -0.7, -5] }]);
    expect(r.ok).toBe(true);
  });
});

describe('simpoLoss', () => {
  // mean token log-probs; β = 2, γ = 0.5: rewards chosen [−1, −4], rejected [−2, −3]; z = r_w − r_l − γ = [0.5, −1.5]
  const inputs = () => [T.tensor([-0.5, -2], [2], { requiresGrad: true }), T.tensor([-1, -1.5])] as const;
  const lossAt = (z: number) => Math.log1p(Math.exp(-z)); // −log σ(z)

  it('is −log σ(r_w − r_l − γ) on rewards β·(mean log-prob), with its gradient', () => {
    const [chosen, rejected] = inputs();
    const r = simpoLoss(chosen, rejected, 2, 0.5);
    expect(Array.from(r.chosenRewards)).toEqual([-1, -4]);
    expect(Array.from(r.rejectedRewards)).toEqual([-2, -3]);
    expect(r.loss.item()).toBeCloseTo((lossAt(0.5) + lossAt(-1.5)) / 2, 5);
    T.backward(r.loss);
    // ∂/∂chosen_i = −β·σ(−z_i)/n, here −σ(−z_i)
    const sigma = (z: number) => 1 / (1 + Math.exp(-z));
    expect(chosen.grad![0]).toBeCloseTo(-sigma(-0.5), 5);
    expect(chosen.grad![1]).toBeCloseTo(-sigma(1.5), 5);
  });

  it('with label smoothing ε: −(1−ε)·log σ(z) − ε·log σ(−z)', () => {
    const [chosen, rejected] = inputs();
    const byHand = (z: number) => -(0.8 * logSig(z) + 0.2 * logSig(-z));
    expect(simpoLoss(chosen, rejected, 2, 0.5, 0.2).loss.item()).toBeCloseTo(
      (byHand(0.5) + byHand(-1.5)) / 2,
      5,
    );
  });

  it('through preferenceTerms: averages summed log-probs per response token, needs no reference', () => {
    // the same means as above from sums over 3 and 4, and 2 and 2 tokens
    const policy = {
      chosen: T.tensor([-1.5, -8]),
      rejected: T.tensor([-2, -3]),
      chosenTokens: Float32Array.of(3, 4),
      rejectedTokens: Float32Array.of(2, 2),
    };
    const settings = {
      lossType: 'simpo',
      beta: 2,
      simpoGamma: 0.5,
      labelSmoothing: 0,
      rpoAlpha: 0,
      cpoAlpha: 0,
    } as const;
    const terms = preferenceTerms(settings, policy, null);
    expect(terms.loss.item()).toBeCloseTo((lossAt(0.5) + lossAt(-1.5)) / 2, 5);
    expect(Array.from(terms.chosenRewards)).toEqual([-1, -4]);
  });
});

describe('CPO', () => {
  // summed log-probs of two pairs, and the chosen answers' lengths
  const chosen = [-3, -8];
  const rejected = [-5, -6];
  const lengths = [2, 4];

  /** CPO's terms through preferenceTerms (no reference) for summed log-probs c and r. */
  const cpo = (c: T.Tensor, r: T.Tensor, cpoAlpha: number, labelSmoothing = 0) =>
    preferenceTerms(
      { lossType: 'cpo', beta: 0.1, labelSmoothing, simpoGamma: 0, rpoAlpha: 0, cpoAlpha },
      {
        chosen: c,
        rejected: r,
        chosenTokens: Float32Array.from(lengths),
        rejectedTokens: Float32Array.of(3, 3),
      },
      null,
    );

  it('is −log σ(β(log π(y_w) − log π(y_l))) plus α times the chosen NLL per token, with its gradient', () => {
    const c = T.tensor(chosen, [2], { requiresGrad: true });
    const r = cpo(c, T.tensor(rejected), 1);
    const preference = -(logSig(0.1 * 2) + logSig(0.1 * -2)) / 2;
    const nll = (3 / 2 + 8 / 4) / 2;
    expect(r.parts.preference_loss).toBeCloseTo(preference, 6);
    expect(r.parts.nll_loss).toBeCloseTo(nll, 6);
    expect(r.loss.item()).toBeCloseTo(preference + nll, 6);
    expect(Array.from(r.chosenRewards)).toEqual([Math.fround(-0.3), Math.fround(-0.8)]);
    T.backward(r.loss);
    // ∂/∂log π(y_w) = −β·σ(−βh)/n − α/(n·|y_w|)
    [2, -2].forEach((h, i) => {
      const expected = (-0.1 * (1 / (1 + Math.exp(0.1 * h)))) / 2 - 1 / (2 * lengths[i]);
      expect(c.grad![i]).toBeCloseTo(expected, 6);
    });
    const check = gradcheck(
      ([cc, rj]) => cpo(cc, rj, 0.7, 0.2).loss,
      [
        { shape: [2], values: chosen },
        { shape: [2], values: rejected },
      ],
    );
    expect(check.ok).toBe(true);
  });

  it("through preferenceTerms: needs no reference, logs both parts; α defaults to TRL's 1 and is refused elsewhere", () => {
    const policy = {
      chosen: T.tensor(chosen),
      rejected: T.tensor(rejected),
      chosenTokens: Float32Array.from(lengths),
      rejectedTokens: Float32Array.of(3, 3),
    };
    const cfg = DpoConfig.parse({ lossType: 'cpo' });
    expect([cfg.beta, cfg.cpoAlpha]).toEqual([0.1, 1]);
    const terms = preferenceTerms(cfg, policy, null);
    expect(terms.parts.nll_loss).toBeCloseTo((3 / 2 + 8 / 4) / 2, 6);
    expect(terms.loss.item()).toBeCloseTo(terms.parts.preference_loss + terms.parts.nll_loss, 5);
    expect(DpoConfig.parse({}).cpoAlpha).toBe(0);
    expect(() => DpoConfig.parse({ lossType: 'sigmoid', cpoAlpha: 1 })).toThrow(
      /applies to --lossType cpo only \(not sigmoid; --rpoAlpha adds the same term there\)/,
    );
    expect(() => DpoConfig.parse({ lossType: 'cpo', rpoAlpha: 1 })).toThrow(/reference-free/);
    expect(usesReference('cpo')).toBe(false);
  });
});

describe('orpoLoss', () => {
  const logOdds = (m: number) => m - Math.log(1 - Math.exp(m)); // log P/(1 − P), P = eᵐ
  const meanChosen = [-0.2, -1];
  const meanRejected = [-1.5, -0.5];

  it('is the SFT loss plus λ times −log σ(log odds ratio), with its gradient', () => {
    const chosen = T.tensor(meanChosen, [2], { requiresGrad: true });
    const r = orpoLoss(chosen, T.tensor(meanRejected), 0.1);
    const ratio = meanChosen.map((m, i) => logOdds(m) - logOdds(meanRejected[i]));
    const oddsRatioLoss = -(logSig(ratio[0]) + logSig(ratio[1])) / 2;
    expect(r.sftLoss).toBeCloseTo(0.6, 6);
    expect(r.oddsRatioLoss).toBeCloseTo(oddsRatioLoss, 5);
    expect(r.loss.item()).toBeCloseTo(0.6 + 0.1 * oddsRatioLoss, 5);
    expect(r.chosenLogOdds[0]).toBeCloseTo(logOdds(-0.2), 5);
    T.backward(r.loss);
    // ∂/∂m_w = −1/n (SFT) − λ·σ(−ratio)/n · d log odds/dm, and d log odds/dm = 1/(1 − eᵐ)
    meanChosen.forEach((m, i) => {
      const orPart = (0.1 * (1 / (1 + Math.exp(ratio[i])))) / (2 * (1 - Math.exp(m)));
      expect(chosen.grad![i]).toBeCloseTo(-0.5 - orPart, 5);
    });
    const check = gradcheck(
      ([c, rj]) => orpoLoss(c, rj, 0.1).loss,
      [
        { shape: [2], values: meanChosen },
        { shape: [2], values: meanRejected },
      ],
    );
    expect(check.ok).toBe(true);
  });

  it('is accurate near P = 1, and finite for an answer the model is certain of (log-prob 0)', () => {
    const chosen = T.tensor([0, -1e-6], [2], { requiresGrad: true });
    const r = orpoLoss(chosen, T.tensor([-1, -1]), 0.1);
    expect(r.chosenLogOdds[1]).toBeCloseTo(logOdds(-1e-6), 4); // ≈ 13.8
    expect(r.chosenLogOdds[0]).toBeCloseTo(logOdds(-1e-7), 4); // 0 is read as −1e−7: ≈ 16.1
    T.backward(r.loss);
    expect(Array.from(chosen.grad!).every(Number.isFinite)).toBe(true);
  });
});
