import { describe, expect, it } from 'vitest';
import { checkRewardSources, functionRewards } from './reward-function.js';

describe('functionRewards', () => {
  const responses = ['a', 'bb', 'ccc'];
  const rows = [0, 0, 1];

  it("returns the function's numbers, one per response, given the rows of their prompts", () => {
    const seen: number[][] = [];
    const got = functionRewards(
      (r, texts) => {
        seen.push([...r]);
        return texts.map((t) => t.length - 0.5);
      },
      rows,
      responses,
    );
    expect(Array.from(got)).toEqual([0.5, 1.5, 2.5]);
    expect(seen).toEqual([[0, 0, 1]]);
  });

  it('refuses what is not one finite number per response, saying what came back', () => {
    const run = (fn: () => unknown) => () => functionRewards(fn as never, rows, responses);
    expect(run(() => Promise.resolve([1, 2, 3]))).toThrow(/returned a Promise/);
    expect(run(() => 'good')).toThrow(/must return an array of numbers, got the string "good"/);
    expect(run(() => 3)).toThrow(/must return an array of numbers, got 3/);
    expect(run(() => [1, 2])).toThrow(/returned 2 numbers for 3 responses/);
    expect(run(() => [1, Number.NaN, 3])).toThrow(/gave response 1 \("bb"\) NaN, not a finite number/);
    expect(run(() => [1, 2, '3'])).toThrow(/gave response 2 \("ccc"\) the string "3"/);
    expect(Array.from(functionRewards(() => Float64Array.of(1, 2, 3), rows, responses))).toEqual([1, 2, 3]);
  });
});

describe('checkRewardSources', () => {
  it('wants a reward model or a reward function', () => {
    expect(() => checkRewardSources('trainGrpo', { rewardModel: null })).toThrow(
      'trainGrpo: no reward: give a reward model, a reward function, or both',
    );
    expect(() =>
      checkRewardSources('trainGrpo', { rewardModel: null, rewardFunction: () => [] }),
    ).not.toThrow();
  });
});
