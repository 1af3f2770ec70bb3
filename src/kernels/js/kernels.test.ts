/** The js reference kernels against direct definitions (the tensor-level gradchecks cover the backward kernels). */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng.js';
import { jsBackend as K } from './index.js';

const rng = new Rng(3);
const rand = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal());
const i32 = (xs: number[]): Int32Array => Int32Array.from(xs);
const expectClose = (got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-5): void => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(tol);
};

describe('gemm', () => {
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      it(`transA=${transA} transB=${transB}, alpha/beta, batch strides incl. 0, odd sizes`, () => {
        const [m, n, k, batch] = [5, 3, 7, 3];
        const a = rand(batch * m * k);
        const b = rand(k * n); // one B shared by every batch (stride 0)
        const c = rand(batch * m * n);
        const want = Float32Array.from(c);
        for (let bi = 0; bi < batch; bi++) {
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              let s = 0;
              for (let p = 0; p < k; p++) {
                const av = transA ? a[bi * m * k + p * m + i] : a[bi * m * k + i * k + p];
                const bv = transB ? b[j * k + p] : b[p * n + j];
                s += av * bv;
              }
              const o = bi * m * n + i * n + j;
              want[o] = 0.5 * s + 2 * c[o];
            }
          }
        }
        K.gemm(transA, transB, m, n, k, 0.5, a, m * k, b, 0, 2, c, m * n, batch);
        expectClose(c, want, 1e-4);
      });
    }
  }
  it('beta = 0 ignores NaN in C', () => {
    const c = new Float32Array([Number.NaN, Number.NaN]);
    K.gemm(false, false, 1, 2, 1, 1, new Float32Array([2]), 0, new Float32Array([3, 4]), 0, 0, c, 0, 1);
    expect(Array.from(c)).toEqual([6, 8]);
  });
});

describe('elementwise and layout kernels', () => {
  it('binary broadcasts through strides and may write in place', () => {
    const a = new Float32Array([1, 2, 3, 4, 5, 6]);
    K.binary('sub', a, i32([3, 1]), new Float32Array([1, 2]), i32([1, 0]), a, i32([2, 3]));
    expect(Array.from(a)).toEqual([0, 1, 2, 2, 3, 4]);
  });
  it('sumToStrides accumulates over stride-0 dims', () => {
    const out = new Float32Array([10, 20, 30]);
    K.sumToStrides(new Float32Array([1, 2, 3, 4, 5, 6]), i32([2, 3]), out, i32([0, 1]));
    expect(Array.from(out)).toEqual([15, 27, 39]);
  });
  it('reduce over the middle axis, with argmax (first maximum wins)', () => {
    const x = new Float32Array([1, 9, 5, 9, 3, 0]); // (1, 3, 2)
    const out = new Float32Array(2);
    const arg = new Int32Array(2);
    K.reduce('max', x, 1, 3, 2, out, arg);
    expect(Array.from(out)).toEqual([5, 9]);
    expect(Array.from(arg)).toEqual([1, 0]);
    K.reduce('sum', x, 1, 3, 2, out, null);
    expect(Array.from(out)).toEqual([9, 18]);
  });
  it('copyRows sets or accumulates strided rows', () => {
    const dst = new Float32Array(6).fill(1);
    K.copyRows(new Float32Array([1, 2, 3, 4, 5, 6]), 1, 3, dst, 0, 3, 2, 2, true);
    expect(Array.from(dst)).toEqual([3, 4, 1, 6, 7, 1]);
  });
  it('gather / scatterAdd with repeated ids', () => {
    const table = new Float32Array([0, 1, 10, 11, 20, 21]);
    const out = new Float32Array(6);
    K.gather(table, i32([2, 0, 2]), 2, out);
    expect(Array.from(out)).toEqual([20, 21, 0, 1, 20, 21]);
    const d = new Float32Array(6);
    K.scatterAdd(d, i32([2, 0, 2]), 2, new Float32Array([1, 1, 2, 2, 3, 3]));
    expect(Array.from(d)).toEqual([2, 2, 0, 0, 4, 4]);
  });
  it('gelu matches its tanh formula; unary pow and scale use param', () => {
    const x = new Float32Array([-1.5, 0, 0.7]);
    const out = new Float32Array(3);
    K.unary('gelu', x, out, 3, 0);
    const g = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
    expectClose(out, Array.from(x, g), 1e-6);
    K.unary('pow', new Float32Array([2, 3, 4]), out, 3, 3);
    expect(Array.from(out)).toEqual([8, 27, 64]);
  });
});

describe('fused kernels', () => {
  it('crossEntropy: logsumexp − target logit; ignored rows give 0 and no gradient', () => {
    const logits = new Float32Array([1, 2, 3, 1, 2, 3]);
    const losses = new Float32Array(2);
    K.crossEntropy(logits, i32([2, -1]), 2, 3, -1, losses);
    const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    expectClose(losses, [lse - 3, 0], 1e-6);
    const d = new Float32Array(6);
    K.crossEntropyBackward(logits, i32([2, -1]), new Float32Array([1, 1]), 2, 3, -1, d);
    expectClose(d.subarray(3), [0, 0, 0]);
    expectClose(d.subarray(0, 3), [Math.exp(1 - lse), Math.exp(2 - lse), Math.exp(3 - lse) - 1], 1e-6);
  });
  it('attention: a query with no visible key outputs zeros and zero probs', () => {
    const q = rand(4);
    const k = rand(8);
    const v = rand(8);
    const out = new Float32Array(4).fill(7);
    const probs = new Float32Array(4).fill(7);
    // B=1, Tq=2, Tk=2, H=1, D=2; keyStart = 2 hides both keys
    K.attention(q, k, v, 1, 2, 2, 1, 1, 2, 4, 0, i32([2]), 1, out, probs);
    expect(Array.from(out)).toEqual([0, 0, 0, 0]);
    expect(Array.from(probs)).toEqual([0, 0, 0, 0]);
  });
  it('rope then its inverse is the identity, in place', () => {
    const x = rand(2 * 3 * 2 * 4);
    const y = Float32Array.from(x);
    const pos = i32([0, 1, 2, 7, 8, 9]);
    K.rope(y, 2, 3, 2, 4, pos, 10000, false, y);
    expect(Array.from(y)).not.toEqual(Array.from(x));
    K.rope(y, 2, 3, 2, 4, pos, 10000, true, y);
    expectClose(y, x, 1e-5);
  });
  it('layerNorm writes mean and rstd', () => {
    const out = new Float32Array(3);
    const mean = new Float32Array(1);
    const rstd = new Float32Array(1);
    K.layerNorm(new Float32Array([1, 2, 6]), new Float32Array([1, 1, 1]), null, 1, 3, 0, out, mean, rstd);
    expect(mean[0]).toBe(3);
    expectClose(rstd, [1 / Math.sqrt(14 / 3)], 1e-6);
  });
  it('adamw follows its formula; sumSquares', () => {
    const p = new Float32Array([1, -2]);
    const g = new Float32Array([0.5, -1]);
    const m = new Float32Array([0.1, 0.2]);
    const v = new Float32Array([0.01, 0.02]);
    const [lr, b1, b2, eps, wd, t] = [0.1, 0.9, 0.99, 1e-8, 0.1, 3];
    const want = [0, 1].map((i) => {
      const mi = b1 * m[i] + (1 - b1) * g[i];
      const vi = b2 * v[i] + (1 - b2) * g[i] * g[i];
      return p[i] - lr * (mi / (1 - b1 ** t) / (Math.sqrt(vi / (1 - b2 ** t)) + eps) + wd * p[i]);
    });
    K.adamw(p, g, m, v, 2, lr, b1, b2, eps, wd, t);
    expectClose(p, want, 1e-6);
    expect(K.sumSquares(new Float32Array([3, 4]), 2)).toBe(25);
  });
});
