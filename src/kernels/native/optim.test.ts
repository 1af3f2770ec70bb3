import { expect, it } from 'vitest';
import { agree, TestRng } from './test-helpers/compare.js';
import { backends, describeNative, js, nat } from './test-helpers/native.js';

describeNative('native optimiser kernels agree with js', () => {
  const rng = new TestRng(6);

  it('adamw over several steps, with and without weight decay', () => {
    for (const n of [1, 13, 300_001]) {
      for (const wd of [0, 0.1]) {
        const g = rng.f32(n);
        const v0 = rng.f32(n, 0, 0.01);
        agree(`adamw n=${n} wd=${wd}`, [rng.f32(n), rng.f32(n, -0.1, 0.1), v0], (w, [p, m, v]) => {
          for (let step = 1; step <= 3; step++)
            backends[w].adamw(p, g, m, v, n, 1e-3, 0.9, 0.95, 1e-8, wd, step);
        });
      }
    }
  });

  it('sumSquares in float64', () => {
    for (const n of [0, 1, 17, 1_000_003]) {
      const x = rng.f32(n, -2, 2);
      const want = js.sumSquares(x, n);
      const got = nat.sumSquares(x, n);
      expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-9 * Math.max(1, want));
    }
  });
});
