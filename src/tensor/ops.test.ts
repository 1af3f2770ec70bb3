/** Forward values of broadcasting and layout ops against hand-computed results. */
import { afterEach, describe, expect, it } from 'vitest';
import { getBackend, jsBackend, setBackend } from '../kernels/index.js';
import { Rng } from '../util/rng.js';
import * as T from './index.js';

const close = (got: number[], want: number[], tol = 1e-6): void => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(tol);
};

describe('broadcasting', () => {
  it('row + column', () => {
    const a = T.tensor([[1], [2]]); // (2,1)
    const b = T.tensor([10, 20, 30]); // (3)
    const c = T.add(a, b);
    expect(c.shape).toEqual([2, 3]);
    expect(c.toArray()).toEqual([11, 21, 31, 12, 22, 32]);
  });
  it('sub and div with a broadcast right operand, and number operands', () => {
    const a = T.tensor([
      [2, 4],
      [6, 8],
    ]);
    expect(T.sub(a, T.tensor([1, 2])).toArray()).toEqual([1, 2, 5, 6]);
    expect(T.div(a, T.tensor([[2], [4]])).toArray()).toEqual([1, 2, 1.5, 2]);
    expect(T.mul(a, 0.5).toArray()).toEqual([1, 2, 3, 4]);
    expect(T.sub(a, 1).toArray()).toEqual([1, 3, 5, 7]);
  });
  it('rank-3 against rank-2 with size-1 dims', () => {
    const a = T.tensor([1, 2, 3, 4], [2, 1, 2]);
    const b = T.tensor([10, 100, 1000], [3, 1]);
    const c = T.mul(a, b);
    expect(c.shape).toEqual([2, 3, 2]);
    expect(c.toArray()).toEqual([10, 20, 100, 200, 1000, 2000, 30, 40, 300, 400, 3000, 4000]);
  });
  it('gradient of a broadcast operand sums over the broadcast dims', () => {
    const a = T.zeros([2, 3]);
    const b = T.tensor([1, 2, 3], [3], { requiresGrad: true });
    T.backward(T.sum(T.add(a, b)));
    expect(Array.from(b.grad!)).toEqual([2, 2, 2]);
  });
  it('maximum, minimum, clamp, where', () => {
    const a = T.tensor([1, 5, -2]);
    expect(T.maximum(a, 0).toArray()).toEqual([1, 5, 0]);
    expect(T.minimum(a, T.tensor([2, 2, 2])).toArray()).toEqual([1, 2, -2]);
    expect(T.clamp(a, -1, 2).toArray()).toEqual([1, 2, -1]);
    expect(T.where(T.tensor([1, 0, 1]), a, 9).toArray()).toEqual([1, 9, -2]);
    expect(T.maskedFill(T.zeros([2, 3]), T.tensor([0, 1, 0]), -1).toArray()).toEqual([0, -1, 0, 0, -1, 0]);
  });
});

describe('reductions', () => {
  const x = T.tensor([
    [1, 5, 3],
    [4, 2, 6],
  ]);
  it('sum / mean / max over axes', () => {
    expect(T.sum(x, 0).toArray()).toEqual([5, 7, 9]);
    expect(T.sum(x, 1, true).shape).toEqual([2, 1]);
    expect(T.sum(x, -1).toArray()).toEqual([9, 12]);
    expect(T.sum(x).shape).toEqual([]);
    expect(T.sum(x).item()).toBe(21);
    expect(T.mean(x, 0).toArray()).toEqual([2.5, 3.5, 4.5]);
    expect(T.mean(x).item()).toBe(3.5);
    expect(T.max(x, 1).toArray()).toEqual([5, 6]);
    expect(T.max(x, 0).toArray()).toEqual([4, 5, 6]);
    expect(T.max(x).item()).toBe(6);
    expect(Array.from(T.argmax(x))).toEqual([1, 2]);
    expect(Array.from(T.argmax(x, 0))).toEqual([1, 0, 1]);
  });
  it('max and argmax reject an empty axis (the backends would disagree on its index)', () => {
    const e = T.zeros([2, 0]);
    expect(() => T.max(e, 1)).toThrow('max: x (2,0) is empty along the reduced axis');
    expect(() => T.argmax(e)).toThrow('argmax: x (2,0) is empty along the reduced axis');
    expect(() => T.argmax(T.zeros([0, 3]), 0)).toThrow('argmax: x (0,3) is empty along the reduced axis');
    expect(Array.from(T.argmax(T.zeros([0, 3])))).toEqual([]); // no rows: nothing to reduce, no error
  });
  it('max sends the gradient to the first maximum only', () => {
    const y = T.tensor([3, 7, 7, 1], [4], { requiresGrad: true });
    T.backward(T.max(y));
    expect(Array.from(y.grad!)).toEqual([0, 1, 0, 0]);
  });
});

describe('layout', () => {
  const x = T.tensor([0, 1, 2, 3, 4, 5], [2, 3]);
  it('reshape is a view that shares data', () => {
    const r = T.reshape(x, [3, -1]);
    expect(r.shape).toEqual([3, 2]);
    expect(r.data).toBe(x.data);
    expect(() => T.reshape(x, [4, -1])).toThrow('reshape: x (2,3) (6 elements) cannot be viewed as (4,-1)');
  });
  it('transpose and permute', () => {
    expect(T.transpose(x).toArray()).toEqual([0, 3, 1, 4, 2, 5]);
    const y = T.tensor(
      Array.from({ length: 24 }, (_, i) => i),
      [2, 3, 4],
    );
    const p = T.permute(y, [2, 0, 1]); // p[k, i, j] = y[i, j, k]
    expect(p.shape).toEqual([4, 2, 3]);
    expect(p.toNested()).toEqual([
      [
        [0, 4, 8],
        [12, 16, 20],
      ],
      [
        [1, 5, 9],
        [13, 17, 21],
      ],
      [
        [2, 6, 10],
        [14, 18, 22],
      ],
      [
        [3, 7, 11],
        [15, 19, 23],
      ],
    ]);
  });
  it('slice and concat', () => {
    expect(T.slice(x, 1, 1).toArray()).toEqual([1, 2, 4, 5]);
    expect(T.slice(x, 0, 1, 2).toArray()).toEqual([3, 4, 5]);
    expect(T.slice(x, 1, -1).toArray()).toEqual([2, 5]);
    const c = T.concat([x, T.tensor([[9], [8]])], 1);
    expect(c.toNested()).toEqual([
      [0, 1, 2, 9],
      [3, 4, 5, 8],
    ]);
    expect(T.concat([x, x], 0).shape).toEqual([4, 3]);
  });
  it('expand materialises a broadcast', () => {
    expect(T.expand(T.tensor([[1], [2]]), [2, 3]).toArray()).toEqual([1, 1, 1, 2, 2, 2]);
    expect(T.expand(T.tensor([7]), [2, 2]).toArray()).toEqual([7, 7, 7, 7]);
  });
  it('unsqueeze / squeeze', () => {
    expect(T.unsqueeze(x, 0).shape).toEqual([1, 2, 3]);
    expect(T.unsqueeze(x, -1).shape).toEqual([2, 3, 1]);
    expect(T.squeeze(T.unsqueeze(x, 1), 1).shape).toEqual([2, 3]);
  });
});

describe('matmul', () => {
  const a = T.tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]); // (2,3)
  const b = T.tensor([
    [1, 0],
    [0, 1],
    [1, 1],
  ]); // (3,2)
  it('all four transpose cases agree with the explicit transposes', () => {
    expect(T.matmul(a, b).toArray()).toEqual([4, 5, 10, 11]);
    expect(T.matmul(T.transpose(a), b, { transA: true }).toArray()).toEqual([4, 5, 10, 11]);
    expect(T.matmul(a, T.transpose(b), { transB: true }).toArray()).toEqual([4, 5, 10, 11]);
    expect(T.matmul(T.transpose(a), T.transpose(b), { transA: true, transB: true }).toArray()).toEqual([
      4, 5, 10, 11,
    ]);
  });
  it('batch broadcasting', () => {
    const batch = T.concat([T.unsqueeze(a, 0), T.unsqueeze(T.scale(a, 2), 0)], 0); // (2,2,3)
    const c = T.matmul(batch, b);
    expect(c.shape).toEqual([2, 2, 2]);
    expect(c.toArray()).toEqual([4, 5, 10, 11, 8, 10, 20, 22]);
    const d = T.matmul(T.reshape(batch, [2, 1, 2, 3]), T.expand(T.unsqueeze(b, 0), [3, 3, 2]));
    expect(d.shape).toEqual([2, 3, 2, 2]);
    expect(T.slice(d, 0, 1).toArray().slice(0, 4)).toEqual([8, 10, 20, 22]);
  });
});

describe('linear', () => {
  const original = getBackend();
  afterEach(() => setBackend(original));
  for (const backend of [jsBackend, original]) {
    it(`with zero in-features gives the bias on every row, or zeros (${backend.name})`, () => {
      setBackend(backend);
      const dirty = (): void => T.scope(() => void T.full([2, 3, 4], Number.NaN)); // a NaN buffer in the pool
      const x = T.zeros([2, 3, 0]);
      const w = T.zeros([4, 0], { requiresGrad: true });
      const b = T.tensor([1, 2, 3, 4], undefined, { requiresGrad: true });
      dirty();
      const y = T.linear(x, w, b);
      expect(y.shape).toEqual([2, 3, 4]);
      expect(y.toArray()).toEqual([1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]);
      T.backward(T.sum(y));
      expect(Array.from(b.grad!)).toEqual([6, 6, 6, 6]);
      dirty();
      expect(T.linear(x, w).toArray()).toEqual(new Array(24).fill(0));
    });
  }
});

describe('nn ops', () => {
  it('softmax / logSoftmax rows', () => {
    const s = T.softmax(T.tensor([[0, Math.log(3)]]));
    close(s.toArray(), [0.25, 0.75]);
    close(T.logSoftmax(T.tensor([[0, Math.log(3)]])).toArray(), [Math.log(0.25), Math.log(0.75)]);
  });
  it('layerNorm and rmsNorm', () => {
    const x = T.tensor([[1, 3]]);
    close(T.layerNorm(x, T.ones([2]), T.tensor([0, 1]), 0).toArray(), [-1, 2]);
    close(T.rmsNorm(x, T.tensor([1, 2]), 0).toArray(), [1 / Math.sqrt(5), 6 / Math.sqrt(5)], 1e-6);
  });
  it('crossEntropy: mean over non-ignored targets, per-token losses', () => {
    const logits = T.tensor([
      [0, 0],
      [0, Math.log(3)],
      [5, 5],
    ]);
    const t = new Int32Array([0, 1, -100]);
    const per = T.crossEntropy(logits, t, { reduction: 'none' }).toArray();
    close(per, [Math.log(2), -Math.log(0.75), 0], 1e-6);
    close([T.crossEntropy(logits, t).item()], [(Math.log(2) - Math.log(0.75)) / 2], 1e-6);
    expect(T.crossEntropy(logits, new Int32Array([-100, -100, -100])).item()).toBe(0);
  });
  it('embedding gathers rows', () => {
    const table = T.tensor([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    const e = T.embedding(table, new Int32Array([2, 0, 2, 1]), [2, 2]);
    expect(e.shape).toEqual([2, 2, 2]);
    expect(e.toArray()).toEqual([4, 5, 0, 1, 4, 5, 2, 3]);
  });
  it('dropout: identity in eval, zeros about p and rescales in training, repeatable with a seed', () => {
    const x = T.ones([1000]);
    expect(T.dropout(x, 0.5, new Rng(1), false)).toBe(x);
    const y = T.dropout(x, 0.25, new Rng(1), true).toArray();
    const zeros = y.filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(200);
    expect(zeros).toBeLessThan(300);
    for (const v of y) expect(v === 0 || Math.abs(v - 4 / 3) < 1e-6).toBe(true);
    expect(T.dropout(x, 0.25, new Rng(1), true).toArray()).toEqual(y);
  });
  it('rope at position 0 is the identity, and rotates pairs by pos·θ^(−2i/D)', () => {
    const x = T.tensor([1, 0, 1, 0], [1, 1, 1, 4]);
    close(T.rope(x, 0).toArray(), [1, 0, 1, 0]);
    const r = T.rope(x, 2, 100).toArray();
    close(r, [Math.cos(2), Math.sin(2), Math.cos(2 / 10), Math.sin(2 / 10)], 1e-6);
  });
});
