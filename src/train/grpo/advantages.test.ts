import { describe, expect, it } from 'vitest';
import { GROUP_STD_EPS, groupAdvantages, perTokenAdvantages } from './advantages.js';

describe('groupAdvantages', () => {
  // three groups of G = 4: spread out, all equal, two-and-two
  const rewards = [1, 2, 3, 6, 0.5, 0.5, 0.5, 0.5, -1, 1, -1, 1];

  it("centres each reward on its group's mean and divides by the group's sample std + ε", () => {
    const { advantages, groupStd, zeroSpread } = groupAdvantages(rewards, 4, true);
    // group 0: mean 3, deviations −2 −1 0 3, Σ² = 14, std = √(14/3); group 2: mean 0, std = √(4/3)
    const s0 = Math.sqrt(14 / 3);
    const s2 = Math.sqrt(4 / 3);
    expect(groupStd[0]).toBeCloseTo(s0, 12);
    expect(groupStd[1]).toBe(0);
    expect(groupStd[2]).toBeCloseTo(s2, 12);
    const expected = [
      ...[-2, -1, 0, 3].map((d) => d / (s0 + GROUP_STD_EPS)),
      0,
      0,
      0,
      0,
      ...[-1, 1, -1, 1].map((d) => d / (s2 + GROUP_STD_EPS)),
    ];
    Array.from(advantages).forEach((a, i) => {
      expect(a).toBeCloseTo(expected[i], 6);
    });
    expect(zeroSpread).toBe(1);
  });

  it('only centres with scaleRewards false (Dr. GRPO)', () => {
    const { advantages } = groupAdvantages(rewards, 4, false);
    expect(Array.from(advantages)).toEqual([-2, -1, 0, 3, 0, 0, 0, 0, -1, 1, -1, 1]);
  });

  it('gives a group of equal rewards exactly 0, even where its mean rounds off', () => {
    // (0.1 + 0.1 + 0.1) / 3 = 0.10000000000000002 in float64: without the check, −1.4e-17 / ε ≠ 0
    const { advantages, zeroSpread } = groupAdvantages([0.1, 0.1, 0.1, 5, 7, 9], 3, true);
    expect(Array.from(advantages.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(zeroSpread).toBe(1);
    expect(advantages[3]).toBeCloseTo(-2 / (2 + GROUP_STD_EPS), 6);
  });

  it('refuses rewards that are not whole groups, and groups of one', () => {
    expect(() => groupAdvantages([1, 2, 3], 2, true)).toThrow(/3 rewards are not groups of 2/);
    expect(() => groupAdvantages([1, 2], 1, true)).toThrow(/groupSize must be ≥ 2/);
  });
});

describe('groupAdvantages with the leave-one-out baseline (RLOO)', () => {
  it('G = 2: each reward minus the other one', () => {
    const { advantages, zeroSpread } = groupAdvantages([1, 3, 0.5, -0.5], 2, false, 'leave-one-out');
    expect(Array.from(advantages)).toEqual([-2, 2, 1, -1]);
    expect(zeroSpread).toBe(0);
  });

  it('G = 4: each reward minus the mean of the other three, a group of equal rewards 0', () => {
    // group 0: Σ = 12, baselines 11/3, 10/3, 9/3, 6/3; group 1 all equal; group 2: Σ = 0
    const rewards = [1, 2, 3, 6, 0.5, 0.5, 0.5, 0.5, -1, 1, -1, 1];
    const { advantages, zeroSpread } = groupAdvantages(rewards, 4, false, 'leave-one-out');
    const expected = [
      1 - 11 / 3,
      2 - 10 / 3,
      0,
      6 - 2,
      0,
      0,
      0,
      0,
      -1 - 1 / 3,
      1 + 1 / 3,
      -1 - 1 / 3,
      1 + 1 / 3,
    ];
    Array.from(advantages).forEach((a, i) => {
      expect(a).toBeCloseTo(expected[i], 6);
    });
    expect(Array.from(advantages.subarray(4, 8))).toEqual([0, 0, 0, 0]); // exactly, not nearly
    expect(zeroSpread).toBe(1);
    // the same as G/(G − 1) times the mean-centred advantage
    const centred = groupAdvantages(rewards, 4, false, 'mean').advantages;
    centred.forEach((c, i) => {
      expect(advantages[i]).toBeCloseTo((4 / 3) * c, 6);
    });
  });

  it("divides by the group's std when asked, as the mean baseline does", () => {
    const { advantages, groupStd } = groupAdvantages([1, 2, 3, 6], 4, true, 'leave-one-out');
    expect(groupStd[0]).toBeCloseTo(Math.sqrt(14 / 3), 12);
    expect(advantages[3]).toBeCloseTo(4 / (Math.sqrt(14 / 3) + GROUP_STD_EPS), 6);
  });
});

describe('perTokenAdvantages', () => {
  it("puts each response's advantage on each of its tokens and 0 on padding", () => {
    const a = perTokenAdvantages(Float32Array.from([0.5, -2, 1]), Int32Array.from([3, 1, 0]), 3);
    expect(Array.from(a)).toEqual([0.5, 0.5, 0.5, -2, 0, 0, 0, 0, 0]);
  });
});
