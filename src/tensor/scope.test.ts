/** Autograd and memory-scope behaviour. */
import { afterEach, describe, expect, it } from 'vitest';
import { getBackend, jsBackend, setBackend } from '../kernels/index.js';
import { pool } from '../kernels/pool.js';
import { Rng } from '../util/rng.js';
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

describe('backward after the scope that saved tensors for it ended', () => {
  // Each op's output survives its scope and its inputs are leaves, so every parent is alive; what the
  // scope released is a tensor only the backward closure reads. That used to run on freed memory
  // (NaN gradients on the js backend, another tensor's data once the pool reuses the buffer).
  let leaves: T.Tensor[] = [];
  const leaf = (shape: number[]): T.Tensor => {
    const t = T.randn(shape, new Rng(3), 1, { requiresGrad: true });
    leaves.push(t);
    return t;
  };
  const cases: [string, () => T.Tensor][] = [
    ['layerNorm', () => T.layerNorm(leaf([2, 3]), T.ones([3]))],
    ['rmsNorm', () => T.rmsNorm(leaf([2, 3]), T.ones([3]))],
    ['dropout', () => T.dropout(leaf([2, 8]), 0.5, new Rng(1), true)],
    ['attention', () => T.attention(leaf([1, 2, 1, 4]), leaf([1, 2, 1, 4]), leaf([1, 2, 1, 4]))],
    ['where', () => T.where(T.tensor([1, 0, 1]), leaf([3]), 0)], // cond itself is read, not a parent
    ['where', () => T.where(T.tensor([[1], [0]]), leaf([2, 3]), 0)], // the broadcast cond
  ];
  const original = getBackend();
  afterEach(() => setBackend(original));
  for (const backend of [jsBackend, original]) {
    for (const [op, build] of cases) {
      it(`${op} (${backend === jsBackend ? 'js' : 'default'} backend) throws naming the op`, () => {
        setBackend(backend);
        const y = T.scope(build);
        expect(() => T.backward(T.sum(T.square(y)))).toThrow(`backward: ${op} saved a tensor (`);
      });
    }
  }
  it('inside the scope the same graphs backpropagate (finite gradients)', () => {
    for (const [op, build] of cases) {
      leaves = [];
      T.scope(() => {
        T.backward(T.sum(T.square(build())));
        for (const p of leaves) {
          expect(p.grad, op).not.toBeNull();
          expect(Array.from(p.grad!).every(Number.isFinite), op).toBe(true);
        }
      });
    }
  });
});
