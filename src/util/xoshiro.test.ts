import { describe, expect, it } from 'vitest';
import { Xoshiro128 } from './xoshiro.js';

describe('Xoshiro128', () => {
  it('is xoshiro128**: the reference sequence from state (1, 2, 3, 4)', () => {
    const g = new Xoshiro128(0);
    [g.s0, g.s1, g.s2, g.s3] = [1, 2, 3, 4];
    expect(Array.from({ length: 10 }, () => g.nextU32())).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804,
    ]);
  });

  it('seeds through splitmix32 and never changes a stream (checkpoints and worlds depend on it)', () => {
    const g = new Xoshiro128(0);
    expect(Array.from({ length: 4 }, () => g.nextU32())).toEqual([
      3809008728, 1133695204, 53579671, 2891528803,
    ]);
    const u = new Xoshiro128(7).uniform();
    expect(u).toBeGreaterThanOrEqual(0);
    expect(u).toBeLessThan(1);
  });
});
