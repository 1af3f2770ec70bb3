import { describe, expect, it } from 'vitest';
import { pairRankings, RankingRecord, rankingPairs } from './ranking.js';

const ranking = (ordering: string[][], gaps?: number[]) => ({
  id: 'r1',
  round: 'round',
  labeler: 'ann',
  prompt: { id: 'p1', text: 'Is 2+2=5?' },
  candidates: ['a', 'b', 'c', 'd'].map((id) => ({ id, text: `answer ${id}` })),
  ordering,
  ...(gaps ? { gaps } : {}),
});

describe("a ranking's gaps (how much better each tier is than the next)", () => {
  it('give each pair the sum of the gaps between its tiers as its margin; no gaps, no margins', () => {
    // a > {b, c} > d, a "much" better than b and c (2), which are slightly better than d (0.5)
    const pairs = rankingPairs(ranking([['a'], ['b', 'c'], ['d']], [2, 0.5]));
    expect(pairs).toEqual([
      { winner: 0, loser: 1, margin: 2 },
      { winner: 0, loser: 2, margin: 2 },
      { winner: 0, loser: 3, margin: 2.5 },
      { winner: 1, loser: 3, margin: 0.5 },
      { winner: 2, loser: 3, margin: 0.5 },
    ]);
    // a gap of 0 gives pairs without a margin, as a ranking without gaps does
    const plain = rankingPairs(ranking([['a'], ['b', 'c'], ['d']]));
    expect(rankingPairs(ranking([['a'], ['b', 'c'], ['d']], [0, 0]))).toEqual(plain);
    expect(plain.every((p) => !('margin' in p))).toBe(true);
  });

  it('must be one per pair of adjacent tiers, each from 0 to 10', () => {
    expect(RankingRecord.parse(ranking([['a'], ['b', 'c', 'd']], [1])).gaps).toEqual([1]);
    const problem = (gaps: unknown[]) => {
      const r = RankingRecord.safeParse(ranking([['a'], ['b', 'c'], ['d']], gaps as number[]));
      return r.success ? null : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    };
    expect(problem([1])).toMatch(/^gaps: 1 gap\(s\) for 3 tiers/);
    expect(problem([1, -0.5])).toMatch(/^gaps\.1: /);
    expect(problem([1, 11])).toMatch(/^gaps\.1: /);
    expect(problem([1, 2])).toBeNull();
  });

  it("carry a pair's margin into the store's K = 2 ranking where it can be a gap", () => {
    const pairs = [
      { prompt: 'q', chosen: 'good', rejected: 'bad', margin: 3 },
      { prompt: 'q', chosen: 'fine', rejected: 'bad', margin: -1 },
      { prompt: 'q', chosen: 'ok', rejected: 'bad' },
    ];
    const records = pairRankings(pairs, { round: 'r', labeler: 'file', idPrefix: 'pair' });
    expect(records.map((r) => r.gaps)).toEqual([[3], undefined, undefined]);
    expect(rankingPairs(records[0])).toEqual([{ winner: 0, loser: 1, margin: 3 }]);
  });
});
