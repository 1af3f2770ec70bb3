/** Autograd and memory-scope behaviour. */
import { describe, expect, it } from 'vitest';
import { pool } from '../kernels/pool.js';
import * as T from './index.js';

describe('autograd', () => {
  it('accumulates into leaves across backward calls (gradient accumulation) and frees the graph', () => {
    const w = T.tensor([1, 2], [2], { requiresGrad: true });
    for (let i = 0; i < 2; i++) T.backward(T.sum(T.mul(w, w)));
    expect(Array.from(w.grad!)).toEqual([4, 8]);
    const y = T.sum(T.mul(w, 3));
    T.backward(y);
    expect(y.backwardFn).toBeNull();
    expect(y.grad).toBeNull(); // intermediate gradients go back to the pool
  });
  it('noGrad records nothing', () => {
    const w = T.ones([2], { requiresGrad: true });
    const y = T.noGrad(() => T.mul(w, 2));
    expect(y.requiresGrad).toBe(false);
    expect(T.isGradEnabled()).toBe(true);
  });
  it('a seed gradient backpropagates a non-scalar output', () => {
    const w = T.tensor([1, 2, 3], [3], { requiresGrad: true });
    T.backward(T.mul(w, 2), { seed: [1, 0, -1] });
    expect(Array.from(w.grad!)).toEqual([2, 0, -2]);
  });
  it('only tensors the loss depends on get gradients', () => {
    const a = T.ones([2], { requiresGrad: true });
    const b = T.ones([2], { requiresGrad: true });
    const other = T.sum(T.mul(b, 5)); // a separate graph, never backpropagated
    T.backward(T.sum(T.mul(a, 2)));
    expect(Array.from(a.grad!)).toEqual([2, 2]);
    expect(b.grad).toBeNull();
    T.backward(other);
    expect(Array.from(b.grad!)).toEqual([5, 5]);
  });
});

describe('scope', () => {
  it('releases what it created except the returned tensors and kept ones', () => {
    const w = T.ones([3], { requiresGrad: true });
    let inner: T.Tensor | null = null;
    let kept: T.Tensor | null = null;
    const out = T.scope(() => {
      inner = T.mul(w, 2);
      kept = T.keep(T.add(w, 1));
      return T.sum(inner);
    });
    expect(inner!.released).toBe(true);
    expect(kept!.released).toBe(false);
    expect(out.released).toBe(false);
    expect(out.item()).toBe(6);
    expect(w.released).toBe(false);
    expect(() => T.exp(inner!)).toThrow('exp: x (3) was released by scope() or dispose()');
  });
  it('a returned view keeps its base alive; nested scopes hand survivors to the parent', () => {
    const { v, base } = T.scope(() => {
      const r = T.scope(() => {
        const b = T.tensor([1, 2, 3, 4]);
        return { v: T.reshape(b, [2, 2]), base: b };
      });
      expect(r.v.released).toBe(false);
      return r;
    });
    expect(v.released).toBe(false);
    expect(base.released).toBe(false);
    expect(v.toArray()).toEqual([1, 2, 3, 4]);
  });
  it('backward outside the scope that built the graph fails loudly', () => {
    const w = T.ones([2], { requiresGrad: true });
    const loss = T.scope(() => T.sum(T.exp(T.mul(w, 2))));
    expect(() => T.backward(loss)).toThrow(
      'backward: the graph reads a tensor (2) released by scope()/dispose()',
    );
  });
  it('recycles buffers: a second identical step allocates nothing fresh', () => {
    const w = T.ones([64, 64], { requiresGrad: true });
    const step = (): number =>
      T.scope(() => {
        const x = T.tensor(new Float32Array(32 * 64).fill(0.5), [32, 64]);
        const l = T.mean(T.gelu(T.matmul(x, w)));
        T.backward(l);
        return l.item();
      });
    step();
    const fresh = pool.stats().fresh;
    step();
    expect(pool.stats().fresh).toBe(fresh);
  });
  it('an exception inside releases and rethrows', () => {
    let t: T.Tensor | null = null;
    expect(() =>
      T.scope(() => {
        t = T.zeros([2]);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(t!.released).toBe(true);
  });
});

describe('saved inputs', () => {
  it('backward uses the ids and targets of the forward pass even if the caller refills its buffers', () => {
    const table = T.tensor(
      [
        [1, 0],
        [0, 1],
        [1, 1],
      ],
      undefined,
      { requiresGrad: true },
    );
    const ids = new Int32Array([0, 1]);
    const targets = new Int32Array([0, 1]);
    const loss = T.crossEntropy(T.embedding(table, ids), targets, { reduction: 'none' });
    const ref = T.crossEntropy(T.embedding(table, new Int32Array([0, 1])), new Int32Array([0, 1]));
    ids.set([2, 2]);
    targets.set([1, 0]);
    T.backward(T.mean(loss));
    const got = Array.from(table.grad!);
    table.grad = null;
    T.backward(ref);
    expect(got).toEqual(Array.from(table.grad!));
  });
});
