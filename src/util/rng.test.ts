import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';

describe('Rng', () => {
  it('is reproducible per seed and differs across seeds', () => {
    const a = new Rng(123);
    const b = new Rng(123);
    const c = new Rng(124);
    const sa = Array.from({ length: 8 }, () => a.nextU32());
    expect(Array.from({ length: 8 }, () => b.nextU32())).toEqual(sa);
    expect(Array.from({ length: 8 }, () => c.nextU32())).not.toEqual(sa);
    // large seeds use their high bits too
    expect(new Rng(2 ** 40).nextU32()).not.toBe(new Rng(2 ** 40 + 2 ** 33).nextU32());
  });

  it('uniform is in [0, 1) with mean ½ and variance 1/12', () => {
    const r = new Rng(1);
    const n = 20000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      s += u;
      s2 += u * u;
    }
    expect(Math.abs(s / n - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(s2 / n - (s / n) ** 2 - 1 / 12)).toBeLessThan(0.005);
  });

  it('normal has the requested mean and std', () => {
    const r = new Rng(2);
    const n = 20000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal(3, 2);
      s += z;
      s2 += z * z;
    }
    const mean = s / n;
    expect(Math.abs(mean - 3)).toBeLessThan(0.05);
    expect(Math.abs(Math.sqrt(s2 / n - mean * mean) - 2)).toBeLessThan(0.05);
  });

  it('int covers [0, n) evenly; choice, shuffle', () => {
    const r = new Rng(3);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 6000; i++) counts[r.int(6)]++;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(120);
    expect(() => r.int(0)).toThrow('Rng.int: n must be an integer in [1, 2^32], got 0');
    expect(['a', 'b', 'c']).toContain(r.choice(['a', 'b', 'c']));
    const xs = [1, 2, 3, 4, 5, 6, 7, 8];
    const sh = r.shuffle(xs.slice());
    expect(sh.slice().sort()).toEqual(xs);
    expect(sh).not.toEqual(xs);
  });

  it('categorical follows the weights and reads a row at an offset', () => {
    const r = new Rng(4);
    const w = new Float32Array([9, 9, 0.1, 0.0, 0.3, 0.6]); // row at offset 2: [0.1, 0, 0.3, 0.6]
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 10000; i++) counts[r.categorical(w, 2, 4)]++;
    expect(counts[1]).toBe(0);
    expect(Math.abs(counts[0] / 10000 - 0.1)).toBeLessThan(0.015);
    expect(Math.abs(counts[3] / 10000 - 0.6)).toBeLessThan(0.02);
    expect(() => r.categorical([0, 0])).toThrow('positive finite sum');
    expect(() => r.categorical([1, -1])).toThrow('weight 1 is -1');
  });

  it('getState / setState continue the same stream; fork is deterministic', () => {
    const r = new Rng(5);
    r.normal();
    const st = r.getState();
    const next = [r.normal(), r.uniform(), r.nextU32()];
    const r2 = new Rng(0);
    r2.setState(st);
    expect([r2.normal(), r2.uniform(), r2.nextU32()]).toEqual(next);
    expect(new Rng(9).fork().nextU32()).toBe(new Rng(9).fork().nextU32());
  });
});
