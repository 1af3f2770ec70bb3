import { describe, expect, it } from 'vitest';
import type { RankingRecord } from '../data/ranking.js';
import { flagFrequencies, pairwiseAgreement } from './agreement.js';

const rec = (
  labeler: string,
  prompt: string,
  ordering: string[][],
  flags: RankingRecord['flags'] = {},
): RankingRecord => ({
  id: `${labeler}-${prompt}`,
  round: 'r',
  labeler,
  prompt: { id: prompt, text: prompt },
  candidates: ['a', 'b', 'c'].map((id) => ({ id, text: id })),
  ordering,
  flags,
});

describe('pairwiseAgreement', () => {
  it('counts strict pairs both labelers ordered, leaving out ties and singly-ranked prompts', () => {
    const r = pairwiseAgreement([
      rec('x', 'p1', [['a'], ['b'], ['c']]),
      // y: agrees on a>c and b>c, disagrees on a>b
      rec('y', 'p1', [['b'], ['a'], ['c']]),
      // z: ties a and b, so a-b is not compared with z
      rec('z', 'p1', [['a', 'b'], ['c']]),
      rec('x', 'p2', [['c'], ['b'], ['a']]),
    ]);
    expect(r.prompts).toBe(1);
    // x-y: 3 comparisons (2 agree); x-z: 2 (2 agree); y-z: 2 (2 agree)
    expect(r.comparisons).toBe(7);
    expect(r.agreements).toBe(6);
    expect(r.rate).toBeCloseTo(6 / 7);
    expect(r.by_labeler.x).toEqual({ comparisons: 5, agreements: 4, rate: 0.8 });
  });
  it('is null when nothing can be compared', () => {
    expect(pairwiseAgreement([rec('x', 'p', [['a'], ['b'], ['c']])]).rate).toBeNull();
  });
});

describe('flagFrequencies', () => {
  it('rates each flag per candidate judged', () => {
    const f = flagFrequencies([
      rec('x', 'p', [['a', 'b', 'c']], { a: ['toxic', 'harmful'], b: ['toxic'] }),
      rec('y', 'p', [['a', 'b', 'c']]),
    ]);
    expect(f.candidates).toBe(6);
    expect(f.counts.toxic).toBe(2);
    expect(f.rates.harmful).toBeCloseTo(1 / 6);
    expect(f.counts.sycophancy).toBe(0);
  });
});
