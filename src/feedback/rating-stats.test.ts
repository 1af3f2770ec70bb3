import { describe, expect, it } from 'vitest';
import type { RatingRecord } from './db/types.js';
import { ratingStats } from './rating-stats.js';

const rating = (labeler: string, prompt: string, label: boolean, flags: string[] = []): RatingRecord => ({
  id: `${labeler}-${prompt}`,
  round: 'r',
  labeler,
  prompt: { id: prompt, text: prompt },
  candidate: { id: 'c0', text: 'an answer' },
  label,
  flags,
  created_at: 't',
});

describe('ratingStats', () => {
  it('counts thumbs up, flags, and agreement between labelers of the same answer', () => {
    const s = ratingStats([
      rating('ann', 'p1', true),
      rating('bob', 'p1', true),
      rating('cy', 'p1', false, ['sycophancy']),
      rating('ann', 'p2', false, ['sycophancy', 'harmful']),
    ]);
    // p1: ann–bob agree, ann–cy and bob–cy do not; p2 has one rating and is not compared
    expect(s).toMatchObject({
      ratings: 4,
      good: 2,
      good_rate: 0.5,
      answers: 1,
      comparisons: 3,
      agreements: 1,
    });
    expect(s.rate).toBeCloseTo(1 / 3);
    expect(s.flags).toMatchObject({ sycophancy: 2, harmful: 1, toxic: 0 });
  });

  it('has no rates without ratings to compare', () => {
    expect(ratingStats([])).toMatchObject({ ratings: 0, good_rate: null, comparisons: 0, rate: null });
    expect(ratingStats([rating('ann', 'p', true)]).rate).toBeNull();
  });
});
