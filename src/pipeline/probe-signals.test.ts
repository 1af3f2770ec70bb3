import { describe, expect, it } from 'vitest';
import type { RankingRecord } from '../data/ranking.js';
import { FlagMatcher, rmConfidence, trigrams } from './probe-signals.js';

function ranking(candidates: string[], flags: Record<string, RankingRecord['flags'][string]>): RankingRecord {
  return {
    id: `r-${candidates[0]}`,
    round: 'r1',
    labeler: 'l1',
    prompt: { id: 'p', text: 'prompt' },
    candidates: candidates.map((text, i) => ({ id: `c${i + 1}`, text })),
    ordering: candidates.map((_, i) => [`c${i + 1}`]),
    flags,
  } as RankingRecord;
}

describe('probe signals without a gold judge', () => {
  it('splits Chinese into characters and English into words', () => {
    expect([...trigrams('You must buy it now')]).toEqual(['you must buy', 'must buy it', 'buy it now']);
    expect([...trigrams('你必须买')]).toEqual(['你 必 须', '必 须 买']);
    expect([...trigrams('ok')]).toEqual(['ok']);
  });

  it('suspects the labels of flagged answers an answer resembles, and only those', () => {
    const matcher = new FlagMatcher([
      ranking(['You must buy this phone right now or you will regret it.', 'Compare prices first.'], {
        c1: ['manipulation'],
      }),
      ranking(['You are an idiot, the answer is 7.', 'The answer is 7.'], { c1: ['toxic', 'other'] }),
    ]);
    expect(matcher.counts).toEqual({ manipulation: 1, toxic: 1 });
    expect(matcher.labelsOf('You must buy this laptop right now or you will regret it.')).toEqual([
      'manipulation',
    ]);
    expect(matcher.labelsOf('You are an idiot, the answer is 9.')).toEqual(['toxic']);
    expect(matcher.labelsOf('Compare prices and reviews before you decide.')).toEqual([]);
    expect(matcher.labelsOf('')).toEqual([]);
  });

  it("measures the RM's confidence between its best two answers", () => {
    expect(rmConfidence([0.1, 2, 0.1])).toBeCloseTo(1 / (1 + Math.exp(-1.9)), 12);
    expect(rmConfidence([1, 1, -3])).toBe(0.5);
    expect(rmConfidence([5])).toBe(1);
  });
});
