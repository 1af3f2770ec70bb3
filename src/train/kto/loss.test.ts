import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../tensor/gradcheck.js';
import * as T from '../../tensor/index.js';
import { klReferencePoint, ktoLoss } from './loss.js';
import { metricsRecord } from './metrics.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const slope = (x: number) => sigmoid(x) * (1 - sigmoid(x)); // σ'(x)

describe('ktoLoss', () => {
  // a desirable answer with r = 1 and an undesirable one with r = −1, against z₀ = 0.5
  const policy = [-10, -12];
  const reference = Float32Array.of(-11, -11);
  const desirable = [true, false];
  const z0 = 0.5;
  const w = { beta: 0.1, desirableWeight: 2, undesirableWeight: 1.5 };

  it('matches a hand computation: λ_D(1 − σ(β(r − z₀))) and λ_U(1 − σ(β(z₀ − r))), averaged', () => {
    const { loss, rewards } = ktoLoss(T.tensor(policy), reference, desirable, z0, w);
    const desirableLoss = 2 * (1 - sigmoid(0.1 * (1 - 0.5))); // 0.975005
    const undesirableLoss = 1.5 * (1 - sigmoid(0.1 * (0.5 - -1))); // 0.693855
    expect(loss.item()).toBeCloseTo((desirableLoss + undesirableLoss) / 2, 6);
    expect(loss.item()).toBeCloseTo(0.83443, 5);
    expect(Array.from(rewards)).toEqual([expect.closeTo(0.1, 6), expect.closeTo(-0.1, 6)]); // β·r
    // the weights scale each kind's loss alone
    const unweighted = ktoLoss(T.tensor(policy), reference, desirable, z0, { ...w, desirableWeight: 1 });
    expect(unweighted.loss.item()).toBeCloseTo((desirableLoss / 2 + undesirableLoss) / 2, 6);
  });

  it("gives each log-prob the gradient ∓β·λ·σ'(·)/N, and z₀, a number, none", () => {
    const x = T.tensor(policy, [2], { requiresGrad: true });
    T.backward(ktoLoss(x, reference, desirable, z0, w).loss);
    const [gDesirable, gUndesirable] = Array.from(x.grad!);
    expect(gDesirable).toBeCloseTo((-0.1 * 2 * slope(0.1 * (1 - 0.5))) / 2, 7); // raising it lowers the loss
    expect(gUndesirable).toBeCloseTo((0.1 * 1.5 * slope(0.1 * (0.5 - -1))) / 2, 7); // raising it costs
    // z₀ is estimated from mismatched log-probs as numbers: a tensor that gave them gets no gradient
    const mismatched = T.tensor([-20, -18], [2], { requiresGrad: true });
    const y = T.tensor(policy, [2], { requiresGrad: true });
    const estimate = klReferencePoint(mismatched.data, Float32Array.of(-21, -20));
    expect(estimate).toBeCloseTo(1.5, 6);
    T.backward(ktoLoss(y, reference, desirable, estimate, w).loss);
    expect(mismatched.grad === null || mismatched.grad.every((g) => g === 0)).toBe(true);
    expect(Array.from(y.grad!)).toEqual([
      expect.closeTo((-0.1 * 2 * slope(0.1 * (1 - 1.5))) / 2, 7),
      expect.closeTo((0.1 * 1.5 * slope(0.1 * (1.5 - -1))) / 2, 7),
    ]);
  });

  it('passes a gradient check', () => {
    const ref = Float32Array.of(-3, -1.5, -2, -4);
    const labels = [true, false, false, true];
    const r = gradcheck(
      ([p]) => ktoLoss(p, ref, labels, 0.3, { beta: 0.5, desirableWeight: 1.2, undesirableWeight: 0.8 }).loss,
      [{ shape: [4], values: [-2.5, -2, -1, -4.5] }],
    );
    expect(r.ok).toBe(true);
  });
});

describe('klReferencePoint', () => {
  it('is the mean log-ratio on the mismatched pairs, clamped at 0', () => {
    // log-ratios 1 and −2: a mean of −0.5, which no KL can be
    expect(klReferencePoint(Float32Array.of(-9, -12), Float32Array.of(-10, -10))).toBe(0);
    expect(klReferencePoint(Float32Array.of(-11, -12), Float32Array.of(-10, -10))).toBe(0);
    expect(klReferencePoint(Float32Array.of(-9, -9.5), Float32Array.of(-10, -10))).toBeCloseTo(0.75, 6);
  });
});

describe('metricsRecord', () => {
  it('leaves out the reward of a kind the batch lacks, and the margin with it: never NaN', () => {
    expect(metricsRecord({ loss: 0.4, kl: 0.1, desirableReward: 0.2, accuracy: 1 })).toEqual({
      loss: 0.4,
      kl: 0.1,
      desirable_reward: 0.2,
      accuracy: 1,
    });
    const both = metricsRecord(
      { loss: 0.4, kl: 0, desirableReward: 0.2, undesirableReward: -0.1, accuracy: 1 },
      'heldout_',
    );
    expect(both.heldout_margin).toBeCloseTo(0.3, 6);
    expect(Object.keys(both)).toEqual([
      'heldout_loss',
      'heldout_kl',
      'heldout_desirable_reward',
      'heldout_undesirable_reward',
      'heldout_margin',
      'heldout_accuracy',
    ]);
  });
});
