import { expect, it } from 'vitest';
import { agree, nans, TestRng } from './test-helpers/compare.js';
import { backends, describeNative, nat } from './test-helpers/native.js';

describeNative('native gemm agrees with js', () => {
  const rng = new TestRng(1);
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 7],
    [17, 1, 33],
    [1, 29, 4],
    [64, 48, 80],
    [130, 70, 65],
  ];

  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      it(`transA=${transA} transB=${transB}, odd and size-1 shapes, alpha/beta`, () => {
        for (const [m, n, k] of shapes) {
          for (const [alpha, beta] of [
            [1, 0],
            [0.5, 1.5],
            [-2, 1],
          ]) {
            const a = rng.f32(m * k);
            const b = rng.f32(k * n);
            // beta = 0 must ignore C, even NaN; otherwise C starts random.
            const c = beta === 0 ? nans(m * n) : rng.f32(m * n);
            agree(`gemm ${m}x${n}x${k} tA=${transA} tB=${transB} α=${alpha} β=${beta}`, [c], (w, [out]) =>
              backends[w].gemm(transA, transB, m, n, k, alpha, a, 0, b, 0, beta, out, 0, 1),
            );
          }
        }
      });
    }
  }

  it('random shapes (1…40 per dim, batch 1…4, shared or strided operands), all transposes', () => {
    for (let trial = 0; trial < 60; trial++) {
      const [m, n, k, batch] = [rng.int(1, 41), rng.int(1, 41), rng.int(1, 41), rng.int(1, 5)];
      const [transA, transB] = [rng.next() < 0.5, rng.next() < 0.5];
      const strideA = rng.next() < 0.3 ? 0 : m * k + rng.int(0, 3);
      const strideB = rng.next() < 0.3 ? 0 : k * n + rng.int(0, 3);
      const strideC = m * n + rng.int(0, 3);
      const a = rng.f32((batch - 1) * strideA + m * k);
      const b = rng.f32((batch - 1) * strideB + k * n);
      const beta = rng.next() < 0.5 ? 0 : 0.5;
      const c = beta === 0 ? nans((batch - 1) * strideC + m * n) : rng.f32((batch - 1) * strideC + m * n);
      agree(`random gemm #${trial} ${m}x${n}x${k} x${batch} tA=${transA} tB=${transB}`, [c], (w, [out]) =>
        backends[w].gemm(transA, transB, m, n, k, 1.25, a, strideA, b, strideB, beta, out, strideC, batch),
      );
    }
  });

  it('batched with strides, stride 0 reusing one matrix, and views with offsets', () => {
    for (const [transA, transB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const [m, n, k, batch] = [9, 13, 6, 5];
      const a = rng.f32(batch * m * k + 3).subarray(3); // a view: the offset must be honoured
      const bShared = rng.f32(k * n);
      const c = nans(batch * m * n);
      agree(`batched shared B tA=${transA} tB=${transB}`, [c], (w, [out]) =>
        backends[w].gemm(transA, transB, m, n, k, 1, a, m * k, bShared, 0, 0, out, m * n, batch),
      );
      const aShared = rng.f32(m * k);
      const b = rng.f32(batch * k * n);
      const c2 = rng.f32(batch * m * n);
      agree(`batched shared A tA=${transA} tB=${transB}`, [c2], (w, [out]) =>
        backends[w].gemm(transA, transB, m, n, k, 0.7, aShared, 0, b, k * n, 0.3, out, m * n, batch),
      );
    }
  });

  it('batched products big enough to be split across threads (attention-head sized)', () => {
    const [m, n, k, batch] = [64, 64, 64, 8];
    const a = rng.f32(batch * m * k);
    const b = rng.f32(batch * k * n);
    agree('batched 8×64³', [nans(batch * m * n)], (w, [out]) =>
      backends[w].gemm(false, true, m, n, k, 0.125, a, m * k, b, k * n, 0, out, m * n, batch),
    );
  });

  it('a training-sized product (OpenBLAS threading)', () => {
    const [m, n, k] = [256, 384, 128];
    const a = rng.f32(m * k);
    const b = rng.f32(n * k);
    agree('256×384×128', [nans(m * n)], (w, [out]) =>
      backends[w].gemm(false, true, m, n, k, 1, a, 0, b, 0, 0, out, 0, 1),
    );
  });

  it('k = 0 scales C by beta (beta = 0 clears NaN), m or n = 0 touches nothing', () => {
    const c = new Float32Array([1, 2, 3, Number.NaN]);
    nat.gemm(false, false, 2, 2, 0, 1, new Float32Array(0), 0, new Float32Array(0), 0, 2, c, 0, 1);
    expect(Array.from(c.subarray(0, 3))).toEqual([2, 4, 6]);
    nat.gemm(false, false, 2, 2, 0, 1, new Float32Array(0), 0, new Float32Array(0), 0, 0, c, 0, 1);
    expect(Array.from(c)).toEqual([0, 0, 0, 0]);
    const untouched = new Float32Array([5]);
    nat.gemm(false, false, 0, 1, 3, 1, new Float32Array(0), 0, new Float32Array(3), 0, 0, untouched, 0, 1);
    expect(untouched[0]).toBe(5);
  });
});
