import { describe, expect, it } from 'vitest';
import { clusteredMean, meanInterval, percent, percentRange, rateInterval, wilson } from './interval.js';

const each = (n: number) => Array.from({ length: n }, (_, i) => `p${i}`);

describe('clusteredMean', () => {
  it('with one value per cluster is the sample variance over n', () => {
    const m = clusteredMean([1, 0, 0, 1, 1], each(5))!;
    expect(m.mean).toBeCloseTo(0.6, 12);
    // s² = (3·0.16 + 2·0.36) / 4 = 0.3; variance of the mean 0.3 / 5
    expect(m.variance).toBeCloseTo(0.06, 12);
    expect(m.clusters).toBe(5);
  });

  it('counts repeated answers to one prompt as one draw', () => {
    const values = [1, 1, 1, 1, 0, 0, 0, 0];
    const m = clusteredMean(values, ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b'])!;
    // two cluster means, 1 and 0: s² = 0.5, over 2 clusters
    expect(m.variance).toBeCloseTo(0.25, 12);
    const iid = clusteredMean(values, each(8))!;
    expect(iid.variance).toBeCloseTo(2 / 7 / 8, 12);
  });

  it('has no variance with one cluster, nothing for no values, and checks lengths', () => {
    expect(clusteredMean([1, 0], ['a', 'a'])).toMatchObject({ mean: 0.5, variance: null, clusters: 1 });
    expect(clusteredMean([], [])).toBeNull();
    expect(() => clusteredMean([1], [])).toThrow(/1 values but 0 cluster keys/);
  });
});

describe('wilson', () => {
  it('matches the textbook interval', () => {
    const [lo, hi] = wilson(0.5, 100);
    expect(lo).toBeCloseTo(0.4038, 4);
    expect(hi).toBeCloseTo(0.5962, 4);
    // none of 10: [0, z² / (n + z²)]
    const [lo0, hi0] = wilson(0, 10);
    expect(lo0).toBe(0);
    expect(hi0).toBeCloseTo(3.8415 / 13.8415, 4);
  });
});

describe('rateInterval', () => {
  it('is Wilson at n − 1 for independent answers', () => {
    const values = Array.from({ length: 400 }, (_, i) => (i < 80 ? 1 : 0));
    const [lo, hi] = rateInterval(values, each(400))!;
    const [wlo, whi] = wilson(0.2, 399);
    expect(lo).toBeCloseTo(wlo, 10);
    expect(hi).toBeCloseTo(whi, 10);
  });

  it('is wider when the same prompts are asked again', () => {
    // 25 prompts × 4 answers, each prompt always (1) or never (0) labelled: 25 draws, not 100
    const prompts = each(25).flatMap((p) => [p, p, p, p]);
    const values = prompts.map((p) => (Number(p.slice(1)) < 5 ? 1 : 0));
    const [lo, hi] = rateInterval(values, prompts)!;
    const [ilo, ihi] = rateInterval(values, each(100))!;
    expect(hi - lo).toBeGreaterThan(1.8 * (ihi - ilo));
    expect(lo).toBeLessThan(0.2);
    expect(hi).toBeGreaterThan(0.2);
  });

  it('counts each distinct prompt once when no answer has the label', () => {
    const prompts = each(24).flatMap((p) => [p, p, p, p]);
    const [lo, hi] = rateInterval(new Array(96).fill(0), prompts)!;
    expect(lo).toBe(0);
    expect(hi).toBeCloseTo(3.8415 / (24 + 3.8415), 4);
    expect(rateInterval([], [])).toBeNull();
    // all ties (every value ½): no spread either, so again one draw a prompt
    const ties = rateInterval(
      new Array(40).fill(0.5),
      each(10).flatMap((p) => [p, p, p, p]),
    )!;
    expect(ties[0]).toBeCloseTo(wilson(0.5, 10)[0], 10);
    expect(ties[1]).toBeCloseTo(wilson(0.5, 10)[1], 10);
  });
});

describe('meanInterval', () => {
  it('is mean ± 1.96 standard errors', () => {
    const [lo, hi] = meanInterval([1, 2, 3, 4], each(4))!;
    const se = Math.sqrt(5 / 3 / 4);
    expect(lo).toBeCloseTo(2.5 - 1.959964 * se, 10);
    expect(hi).toBeCloseTo(2.5 + 1.959964 * se, 10);
    expect(meanInterval([1, 2], ['a', 'a'])).toBeNull();
  });
});

describe('percent', () => {
  it('writes a share with one decimal (or as many as asked) and a spaced sign', () => {
    expect(percent(0.123)).toBe('12.3 %');
    expect(percent(1)).toBe('100.0 %');
    expect(percent(0.004)).toBe('0.4 %');
    expect(percent(0.126, 0)).toBe('13 %');
    expect(percentRange([0.121, 0.297])).toBe('12.1–29.7');
  });

  it('shows a figure that was not measured as a dash', () => {
    expect(percent(null)).toBe('—');
    expect(percent(Number.NaN)).toBe('—');
  });
});
