import { describe, expect, it } from 'vitest';
import { hashString, Rng } from './rng.js';

describe('Rng', () => {
  it('repeats its sequence for a seed, and differs between seeds', () => {
    const a = Array.from(
      { length: 8 },
      (
        (r) => () =>
          r.u32()
      )(new Rng('s')),
    );
    const b = Array.from(
      { length: 8 },
      (
        (r) => () =>
          r.u32()
      )(new Rng('s')),
    );
    const c = Array.from(
      { length: 8 },
      (
        (r) => () =>
          r.u32()
      )(new Rng('t')),
    );
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('forks named streams that do not depend on draws made elsewhere', () => {
    const r1 = new Rng('root');
    const r2 = new Rng('root');
    const f1 = r1.fork('x');
    r2.fork('y').u32(); // another stream drawing first changes nothing
    const f2 = r2.fork('x');
    expect(f1.u32()).toBe(f2.u32());
    expect(new Rng('root').fork('x').u32()).not.toBe(new Rng('root').fork('y').u32());
  });

  it('draws in range with the right moments', () => {
    const r = new Rng(1);
    let sum = 0;
    let gumbel = 0;
    let normal = 0;
    let normal2 = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const k = r.int(7);
      expect(k >= 0 && k < 7 && Number.isInteger(k)).toBe(true);
      sum += r.float();
      gumbel += r.gumbel();
      const z = r.normal();
      normal += z;
      normal2 += z * z;
    }
    expect(sum / n).toBeCloseTo(0.5, 1);
    expect(gumbel / n).toBeCloseTo(0.5772, 1); // Euler–Mascheroni
    expect(normal / n).toBeCloseTo(0, 1);
    expect(normal2 / n).toBeCloseTo(1, 1);
    expect(() => r.int(0)).toThrow(/positive integer/);
  });

  it('shuffles into a permutation and picks by weight', () => {
    const r = new Rng('w');
    const items = [1, 2, 3, 4, 5, 6];
    expect([...r.shuffle(items)].sort()).toEqual(items);
    const counts = [0, 0, 0];
    for (let i = 0; i < 6000; i++) counts[r.weighted([1, 0, 2])]++;
    expect(counts[1]).toBe(0);
    expect(counts[2] / counts[0]).toBeGreaterThan(1.7);
    expect(counts[2] / counts[0]).toBeLessThan(2.3);
  });

  it('hashes strings stably', () => {
    expect(hashString('rein')).toBe(hashString('rein'));
    expect(hashString('rein')).not.toBe(hashString('reim'));
  });
});
