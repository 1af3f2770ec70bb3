import { it } from 'vitest';
import { agree, nans, TestRng } from './test-helpers/compare.js';
import { backends, describeNative, js } from './test-helpers/native.js';

describeNative('native norms agree with js', () => {
  const rng = new TestRng(5);
  const shapes = [
    [1, 1],
    [1, 9],
    [5, 33],
    [1024, 256], // rows split across threads, dw/db reduced from per-thread partials
  ];

  for (const withBias of [true, false]) {
    it(`layerNorm ${withBias ? 'with' : 'without'} bias, forward and backward`, () => {
      for (const [rows, n] of shapes) {
        const x = rng.f32(rows * n, -3, 3);
        const w = rng.f32(n, 0.5, 1.5);
        const b = withBias ? rng.f32(n) : null;
        agree(
          `layerNorm ${rows}x${n}`,
          [nans(rows * n), nans(rows), nans(rows)],
          (which, [out, mean, rstd]) => backends[which].layerNorm(x, w, b, rows, n, 1e-5, out, mean, rstd),
        );
        const mean = new Float32Array(rows);
        const rstd = new Float32Array(rows);
        js.layerNorm(x, w, b, rows, n, 1e-5, new Float32Array(rows * n), mean, rstd);
        const dy = rng.f32(rows * n);
        const outs = [rng.f32(rows * n), rng.f32(n)];
        if (withBias) outs.push(rng.f32(n));
        agree(
          `layerNormBackward ${rows}x${n}`,
          outs,
          (which, [dx, dw, db]) =>
            backends[which].layerNormBackward(dy, x, w, mean, rstd, rows, n, dx, dw, withBias ? db : null),
          { rtol: 1e-4, atol: 5e-5 },
        );
      }
    });
  }

  it('rmsNorm forward and backward', () => {
    for (const [rows, n] of shapes) {
      const x = rng.f32(rows * n, -3, 3);
      const w = rng.f32(n, 0.5, 1.5);
      agree(`rmsNorm ${rows}x${n}`, [nans(rows * n), nans(rows)], (which, [out, rstd]) =>
        backends[which].rmsNorm(x, w, rows, n, 1e-5, out, rstd),
      );
      const rstd = new Float32Array(rows);
      js.rmsNorm(x, w, rows, n, 1e-5, new Float32Array(rows * n), rstd);
      const dy = rng.f32(rows * n);
      agree(
        `rmsNormBackward ${rows}x${n}`,
        [rng.f32(rows * n), rng.f32(n)],
        (which, [dx, dw]) => backends[which].rmsNormBackward(dy, x, w, rstd, rows, n, dx, dw),
        { rtol: 1e-4, atol: 5e-5 },
      );
    }
  });
});
