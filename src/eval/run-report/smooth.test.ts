import { describe, expect, it } from 'vitest';
import { defaultWindow, movingAverage, smoothes, thinPoints } from './smooth.js';

describe('smoothing', () => {
  it('averages each point with the window − 1 before it, fewer at the start', () => {
    // window 2: 1, (1+2)/2, (2+4)/2, (4+8)/2, (8+16)/2
    expect(movingAverage([1, 2, 4, 8, 16], 2)).toEqual([1, 1.5, 3, 6, 12]);
    // window 3: 3, (3+0)/2, (3+0+6)/3, (0+6+9)/3, (6+9+-3)/3
    expect(movingAverage([3, 0, 6, 9, -3], 3)).toEqual([3, 1.5, 3, 5, 4]);
    expect(movingAverage([5, 7], 1)).toEqual([5, 7]);
    expect(movingAverage([2, 4], 10)).toEqual([2, 3]);
    expect(movingAverage([], 4)).toEqual([]);
    expect(() => movingAverage([1], 0)).toThrow(/window 0/);
  });

  it('picks no smoothing for short runs, a twentieth of a long one, at most 50', () => {
    expect(defaultWindow(12)).toBe(1);
    expect(defaultWindow(59)).toBe(1);
    expect(defaultWindow(60)).toBe(3);
    expect(defaultWindow(300)).toBe(15);
    expect(defaultWindow(8000)).toBe(50);
  });

  it('smooths a curve only when it has two windows of points', () => {
    expect(smoothes(5, 3)).toBe(false);
    expect(smoothes(6, 3)).toBe(true);
    expect(smoothes(1000, 1)).toBe(false);
  });

  it('thins a long curve to its lows and highs in step order, keeping a spike', () => {
    const points = Array.from({ length: 1000 }, (_, i): [number, number] => [i + 1, i === 537 ? 99 : 1]);
    const thin = thinPoints(points, 100);
    expect(thin.length).toBeLessThanOrEqual(100);
    expect(thin).toContainEqual([538, 99]);
    const xs = thin.map((p) => p[0]);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    const short: [number, number][] = [
      [1, 2],
      [2, 3],
    ];
    expect(thinPoints(short, 100)).toEqual(short);
  });
});
