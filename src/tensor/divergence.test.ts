/**
 * The generalized JSD of distillation: its values against the divergences written out by hand,
 * its limits, and its gradient against finite differences (float64, gradcheck.ts).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import { gradcheck, randomInput } from './gradcheck.js';
import * as T from './index.js';

const softmax = (z: number[], tau = 1): number[] => {
  const m = Math.max(...z);
  const e = z.map((x) => Math.exp((x - m) / tau));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};
const kl = (p: number[], q: number[]): number => p.reduce((d, pi, i) => d + pi * Math.log(pi / q[i]), 0);
/** JSD_β(t ‖ s) from its definition, m = βt + (1 − β)s. */
const jsd = (t: number[], s: number[], beta: number): number => {
  const m = t.map((ti, i) => beta * ti + (1 - beta) * s[i]);
  return beta * kl(t, m) + (1 - beta) * kl(s, m);
};

const student = [
  [1.0, -0.5, 2.0, 0.3],
  [-1.2, 0.4, 0.1, 0.9],
];
const teacher = [
  [0.2, 0.8, 1.5, -1.0],
  [2.0, -0.3, 0.0, 0.5],
];
const value = (beta: number, opts: Partial<T.DivergenceOptions> = {}): number =>
  T.generalizedJsd(T.tensor(student), T.tensor(teacher), { beta, ...opts }).item();

describe('generalizedJsd', () => {
  it('is KL(t ‖ s) at β = 0, KL(s ‖ t) at β = 1 and JSD_β between, averaged over rows', () => {
    const mean = (f: (t: number[], s: number[]) => number): number =>
      (f(softmax(teacher[0]), softmax(student[0])) + f(softmax(teacher[1]), softmax(student[1]))) / 2;
    expect(value(0)).toBeCloseTo(mean(kl), 5);
    expect(value(1)).toBeCloseTo(
      mean((t, s) => kl(s, t)),
      5,
    );
    for (const beta of [0.1, 0.5, 0.9])
      expect(value(beta)).toBeCloseTo(
        mean((t, s) => jsd(t, s, beta)),
        5,
      );
    // the two KLs differ here, so a swapped end would fail
    expect(Math.abs(value(0) - value(1))).toBeGreaterThan(0.05);
  });

  it('tends to β·KL(t ‖ s) as β → 0 and to (1 − β)·KL(s ‖ t) as β → 1', () => {
    expect(value(1e-4) / 1e-4).toBeCloseTo(value(0), 2);
    expect(value(1 - 1e-4) / 1e-4).toBeCloseTo(value(1), 2);
  });

  it('is 0 for equal distributions, at most log 2 at β = ½, and weighs rows as asked', () => {
    expect(T.generalizedJsd(T.tensor(student), T.tensor(student), { beta: 0.5 }).item()).toBeCloseTo(0, 7);
    const far = T.generalizedJsd(T.tensor([[30, 0]]), T.tensor([[0, 30]]), { beta: 0.5 }).item();
    expect(far).toBeLessThanOrEqual(Math.log(2) + 1e-6);
    expect(far).toBeGreaterThan(Math.log(2) - 1e-3);
    const row1 = jsd(softmax(teacher[1]), softmax(student[1]), 0.3);
    expect(value(0.3, { rowWeights: new Float32Array([0, 2]) })).toBeCloseTo(2 * row1, 5);
  });

  it('divides both logits by the temperature', () => {
    const tau = 2;
    const expected =
      (kl(softmax(teacher[0], tau), softmax(student[0], tau)) +
        kl(softmax(teacher[1], tau), softmax(student[1], tau))) /
      2;
    expect(value(0, { temperature: tau })).toBeCloseTo(expected, 5);
  });

  it('refuses what it cannot mean', () => {
    const s = T.tensor(student);
    expect(() => T.generalizedJsd(s, T.tensor([[1, 2]]), { beta: 0 })).toThrow(/must be the same/);
    expect(() => T.generalizedJsd(s, T.tensor(teacher), { beta: 1.5 })).toThrow(
      /beta 1.5 must be in \[0, 1\]/,
    );
    expect(() => T.generalizedJsd(s, T.tensor(teacher), { beta: 0, temperature: 0 })).toThrow(/temperature/);
    expect(() =>
      T.generalizedJsd(s, T.tensor(teacher, undefined, { requiresGrad: true }), { beta: 0 }),
    ).toThrow(/the teacher is a constant/);
    expect(() =>
      T.generalizedJsd(s, T.tensor(teacher), { beta: 0, rowWeights: new Float32Array(3) }),
    ).toThrow(/3 row weights for 2 rows/);
  });

  const rng = new Rng(11);
  for (const beta of [0, 0.3, 0.5, 1]) {
    for (const temperature of [1, 0.7]) {
      it(`gradient at β = ${beta}, τ = ${temperature} (rows weighted, one skipped)`, () => {
        const weights = new Float32Array([0.5, 0, 1.5]);
        const r = gradcheck(
          ([s, t]) => T.generalizedJsd(s, t, { beta, temperature, rowWeights: weights }),
          [randomInput([3, 5], rng, -2, 2), randomInput([3, 5], rng, -2, 2, false)],
        );
        if (!r.ok) throw new Error(`gradcheck failed: ratio ${r.worstRatio} at ${JSON.stringify(r.worst)}`);
        expect(r.ok).toBe(true);
      });
    }
  }
});
