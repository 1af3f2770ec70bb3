import { describe, expect, it } from 'vitest';
import { groupAdvantages } from './advantages.js';
import { klPenalisedSequenceRewards, responseKl } from './kl-reward.js';

describe('responseKl and klPenalisedSequenceRewards', () => {
  // two responses in a (2, 3) layout: 3 tokens and 1 token; the padding cells hold junk on purpose
  const lengths = Int32Array.from([3, 1]);
  const oldLogp = Float32Array.from([-1, -2, -0.5, -1.5, 9, 9]);
  const refLogp = Float32Array.from([-1.5, -2, -0.25, -1, -7, 4]);
  const scores = Float32Array.from([1, 2]);

  it("subtracts β times each response's summed log-ratio to the reference, padding left out", () => {
    const kl = responseKl(oldLogp, refLogp, lengths, 3);
    const rewards = klPenalisedSequenceRewards(scores, kl, 0.1);
    // response 0: 0.5 + 0 − 0.25 = 0.25; response 1: −1.5 − (−1) = −0.5
    expect(kl[0]).toBeCloseTo(0.25, 12);
    expect(kl[1]).toBeCloseTo(-0.5, 12);
    expect(rewards[0]).toBeCloseTo(1 - 0.1 * 0.25, 12); // 0.975
    expect(rewards[1]).toBeCloseTo(2 + 0.1 * 0.5, 12); // 2.05: a response the reference likes more gains
  });

  it('leaves the scores as they are at β = 0 or where the policy is the reference', () => {
    const kl = responseKl(oldLogp, refLogp, lengths, 3);
    expect(Array.from(klPenalisedSequenceRewards(scores, kl, 0))).toEqual([1, 2]);
    const none = responseKl(oldLogp, oldLogp, lengths, 3);
    expect(Array.from(none)).toEqual([0, 0]);
    expect(Array.from(klPenalisedSequenceRewards(scores, none, 0.5))).toEqual([1, 2]);
  });

  it('feeds the leave-one-out baseline: two answers of one prompt', () => {
    const rewards = klPenalisedSequenceRewards(scores, responseKl(oldLogp, refLogp, lengths, 3), 0.1);
    const { advantages } = groupAdvantages(rewards, 2, false, 'leave-one-out');
    expect(advantages[0]).toBeCloseTo(0.975 - 2.05, 6);
    expect(advantages[1]).toBeCloseTo(2.05 - 0.975, 6);
  });
});
