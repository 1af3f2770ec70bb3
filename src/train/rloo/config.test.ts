import { describe, expect, it } from 'vitest';
import { GrpoConfig } from '../grpo/config.js';
import { RlooConfig } from './config.js';

describe('RlooConfig', () => {
  const rlooOwn = ['out', 'beta', 'klPenalty', 'baseline', 'scaleRewards'] as const;

  it("has RLOO's defaults: the KL in the reward at β 0.05, the leave-one-out baseline, no std", () => {
    expect(RlooConfig.parse({})).toMatchObject({
      out: 'runs/rloo',
      beta: 0.05,
      klPenalty: 'reward',
      baseline: 'leave-one-out',
      scaleRewards: false,
    });
  });

  it("keeps every other option and default of GRPO's, and its checks", () => {
    const drop = (c: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(c).filter(([k]) => !(rlooOwn as readonly string[]).includes(k)));
    expect(drop(RlooConfig.parse({}))).toEqual(drop(GrpoConfig.parse({})));
    expect(Object.keys(RlooConfig.shape)).toEqual(Object.keys(GrpoConfig.shape));
    expect(() => RlooConfig.parse({ beta: -1 })).toThrow();
    expect(() => RlooConfig.parse({ baseline: 'median' })).toThrow();
    expect(() => RlooConfig.parse({ rlooK: 2 })).toThrow(); // unknown options are refused, as GRPO's
  });
});
