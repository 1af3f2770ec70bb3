import { expect, it } from 'vitest';
import { agree, nans, TestRng } from './test-helpers/compare.js';
import { backends, describeNative, js, nat } from './test-helpers/native.js';

describeNative('native layout kernels agree with js', () => {
  const rng = new TestRng(3);

  it('reduce sum and max (with argmax) along the middle axis', () => {
    const cases = [
      [1, 1, 1],
      [1, 9, 1],
      [4, 7, 1],
      [3, 1, 5],
      [2, 6, 11],
      [1, 33, 300],
      [512, 256, 1],
      [8, 128, 256],
    ];
    for (const [outer, len, inner] of cases) {
      const x = rng.f32(outer * len * inner);
      agree(`reduce sum ${outer}x${len}x${inner}`, [nans(outer * inner)], (w, [out]) =>
        backends[w].reduce('sum', x, outer, len, inner, out, null),
      );
      agree(`reduce max ${outer}x${len}x${inner}`, [nans(outer * inner)], (w, [out]) =>
        backends[w].reduce('max', x, outer, len, inner, out, null),
      );
      const aj = new Int32Array(outer * inner).fill(-7);
      const an = new Int32Array(outer * inner).fill(-7);
      js.reduce('max', x, outer, len, inner, new Float32Array(outer * inner), aj);
      nat.reduce('max', x, outer, len, inner, new Float32Array(outer * inner), an);
      expect(Array.from(an), `argmax ${outer}x${len}x${inner}`).toEqual(Array.from(aj));
    }
  });

  it('reduce max: ties go to the first index', () => {
    const x = new Float32Array([1, 3, 3, 2, 5, 5]);
    const am = new Int32Array(2);
    nat.reduce('max', x, 2, 3, 1, new Float32Array(2), am);
    expect(Array.from(am)).toEqual([1, 1]);
  });

  it('permute: transposes, head splits, size-1 dims, rank 0 and 1', () => {
    const cases: [number[], number[]][] = [
      [[], []],
      [[7], [0]],
      [
        [5, 3],
        [1, 0],
      ],
      [
        [2, 9, 4, 8],
        [0, 2, 1, 3],
      ],
      [
        [3, 1, 4, 1],
        [3, 2, 1, 0],
      ],
      [
        [4, 5, 6],
        [2, 0, 1],
      ],
      [
        [4, 5, 6],
        [1, 2, 0],
      ],
      [
        [2, 3, 1, 5, 2],
        [4, 1, 3, 0, 2],
      ],
      [
        [8, 128, 4, 64],
        [0, 2, 1, 3],
      ],
    ];
    for (const [shape, perm] of cases) {
      const n = shape.reduce((p, v) => p * v, 1);
      const x = rng.f32(n);
      agree(`permute ${JSON.stringify(shape)} by ${JSON.stringify(perm)}`, [nans(n)], (w, [out]) =>
        backends[w].permute(x, new Int32Array(shape), new Int32Array(perm), out),
      );
    }
  });

  it('random permutes (rank 1…6, sizes 1…6) and reduces', () => {
    for (let trial = 0; trial < 60; trial++) {
      const rank = rng.int(1, 7);
      const shape = Array.from({ length: rank }, () => rng.int(1, 7));
      const perm = Array.from({ length: rank }, (_, i) => i);
      for (let i = rank - 1; i > 0; i--) {
        const j = rng.int(0, i + 1);
        [perm[i], perm[j]] = [perm[j], perm[i]];
      }
      const n = shape.reduce((p, v) => p * v, 1);
      const x = rng.f32(n);
      agree(`random permute ${JSON.stringify([shape, perm])}`, [nans(n)], (w, [out]) =>
        backends[w].permute(x, new Int32Array(shape), new Int32Array(perm), out),
      );
      const [outer, len, inner] = [rng.int(1, 9), rng.int(1, 9), rng.int(1, 9)];
      const y = rng.f32(outer * len * inner);
      for (const op of ['sum', 'max'] as const) {
        agree(`random reduce ${op} ${outer}x${len}x${inner}`, [nans(outer * inner)], (w, [out]) =>
          backends[w].reduce(op, y, outer, len, inner, out, null),
        );
      }
    }
  });

  it('copyRows: offsets, strides, set and accumulate', () => {
    for (const accumulate of [false, true]) {
      for (const [rows, len, srcStride, dstStride] of [
        [1, 1, 1, 1],
        [5, 3, 7, 4],
        [6, 70, 100, 80],
        [1000, 256, 768, 512],
        [1, 50_000, 0, 0], // one long row (a gradient accumulation): split into column chunks
        [3, 40_000, 40_001, 40_003],
      ]) {
        const src = rng.f32(3 + rows * srcStride + len);
        agree(
          `copyRows ${rows}x${len} acc=${accumulate}`,
          [rng.f32(5 + rows * dstStride + len)],
          (w, [dst]) => backends[w].copyRows(src, 3, srcStride, dst, 5, dstStride, rows, len, accumulate),
        );
      }
    }
  });

  it('gather and scatterAdd (repeated ids add up)', () => {
    for (const [vocab, dim, count] of [
      [1, 1, 1],
      [7, 5, 20],
      [512, 256, 1024],
    ]) {
      const table = rng.f32(vocab * dim);
      const ids = rng.i32(count, 0, vocab);
      agree(`gather ${vocab}x${dim} ×${count}`, [nans(count * dim)], (w, [out]) =>
        backends[w].gather(table, ids, dim, out),
      );
      const dOut = rng.f32(count * dim);
      agree(`scatterAdd ${vocab}x${dim} ×${count}`, [rng.f32(vocab * dim)], (w, [dTable]) =>
        backends[w].scatterAdd(dTable, ids, dim, dOut),
      );
    }
  });

  it('gather and scatterAdd: an id outside the table is an error, not a crash', () => {
    const table = new Float32Array(6);
    expect(() => nat.gather(table, new Int32Array([0, 3]), 2, new Float32Array(4))).toThrow(
      /native gather: argument 'ids'\[1\] = 3 is outside the table's 3 rows/,
    );
    expect(() => nat.scatterAdd(table, new Int32Array([-1]), 2, new Float32Array(2))).toThrow(
      /scatterAdd.*'ids'\[0\]/,
    );
  });
});
