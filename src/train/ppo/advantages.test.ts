import { describe, expect, it } from 'vitest';
import { gae, klPenalisedRewards, maskedMoments, whiten } from './advantages.js';
import { adaptiveKl, fixedKl } from './kl-controller.js';

const f32 = (xs: number[]) => Float32Array.from(xs);

describe('klPenalisedRewards', () => {
  it('puts −β·KL on each token and the score on the last real token only', () => {
    const kl = f32([0.1, 0.2, 0.3, 0.4, 1, 1, 1, 1]);
    const r = klPenalisedRewards(f32([2, -1]), kl, Int32Array.from([3, 1]), 0.5, 4);
    expect(Array.from(r)).toEqual(Array.from(f32([-0.05, -0.1, -0.15 + 2, 0, -0.5 - 1, 0, 0, 0])));
  });
});

describe('gae', () => {
  it('with γ = λ = 1 equals reward-to-go minus values', () => {
    const rewards = f32([1, 2, 3, 9, 0.5, -1, 0, 0]);
    const values = f32([0.3, -0.2, 0.7, 5, 1.5, 0.25, 7, 7]);
    const lengths = Int32Array.from([3, 2]);
    const { advantages, returns } = gae(rewards, values, lengths, 4, 1, 1);
    // row 0: reward-to-go (6, 5, 3); row 1: (-0.5, -1)
    const expected = [6 - 0.3, 5 + 0.2, 3 - 0.7, 0, -0.5 - 1.5, -1 - 0.25, 0, 0];
    advantages.forEach((a, i) => {
      expect(a).toBeCloseTo(expected[i], 6);
    });
    expect(Array.from(returns.slice(0, 3)).map((x) => +x.toFixed(5))).toEqual([6, 5, 3]);
    expect(returns[3]).toBe(0); // padding untouched
  });

  it('discounts with γ and λ', () => {
    // one row, two tokens: δ1 = r1 − V1, δ0 = r0 + γV1 − V0, A0 = δ0 + γλ·δ1
    const { advantages } = gae(f32([1, 2]), f32([0.5, 0.25]), Int32Array.from([2]), 2, 0.9, 0.8);
    const d1 = 2 - 0.25;
    const d0 = 1 + 0.9 * 0.25 - 0.5;
    expect(advantages[1]).toBeCloseTo(d1, 6);
    expect(advantages[0]).toBeCloseTo(d0 + 0.9 * 0.8 * d1, 6);
  });
});

describe('whiten', () => {
  it('gives zero mean, unit variance over real tokens and leaves padding at 0', () => {
    const x = f32([1, 2, 3, 100, 4, 5, 100, 100]);
    const lengths = Int32Array.from([3, 2]);
    const w = whiten(x, lengths, 4);
    const m = maskedMoments(w, lengths, 4);
    expect(m.mean).toBeCloseTo(0, 6);
    expect(m.variance).toBeCloseTo(1, 4);
    expect(w[3]).toBe(0);
    expect(w[7]).toBe(0);
  });

  it('keeps the mean when asked', () => {
    const x = f32([1, 2, 3, 4]);
    const w = whiten(x, Int32Array.from([4]), 4, false);
    expect(maskedMoments(w, Int32Array.from([4]), 4).mean).toBeCloseTo(2.5, 5);
  });
});

describe('KL controllers', () => {
  it('fixed never moves', () => {
    const c = fixedKl(0.02);
    expect(c.update(100, 64)).toBe(0.02);
  });

  it('adaptive follows β ← β(1 + clip(KL/target − 1, ±0.2)·n/horizon)', () => {
    const c = adaptiveKl(0.1, 6, 10000);
    expect(c.update(9, 100)).toBeCloseTo(0.1 * (1 + 0.2 * 0.01), 12); // error clipped to +0.2
    const b1 = c.beta;
    expect(c.update(5.4, 100)).toBeCloseTo(b1 * (1 - 0.1 * 0.01), 12); // error −0.1
    const b2 = c.beta;
    expect(c.update(0, 100)).toBeCloseTo(b2 * (1 - 0.2 * 0.01), 12); // clipped to −0.2
  });
});
