import { describe, expect, it } from 'vitest';
import * as T from '../tensor/index.js';
import { AdamW, clipGradNorm, warmupCosine } from './index.js';

describe('AdamW', () => {
  it('takes the bias-corrected first step of size lr·sign(g), decaying matrices only', () => {
    const w = T.tensor([[1, -1]], [1, 2], { requiresGrad: true });
    const b = T.tensor([1], [1], { requiresGrad: true });
    w.grad = new Float32Array([0.3, -2]);
    b.grad = new Float32Array([5]);
    const opt = new AdamW(
      [
        ['w', w],
        ['b', b],
      ],
      { lr: 0.1, weightDecay: 0.5, eps: 0 },
    );
    opt.step();
    // step 1: m̂ = g, v̂ = g², update = g/|g| = sign(g); decay only on the matrix w
    expect(w.data[0]).toBeCloseTo(1 - 0.1 * (1 + 0.5 * 1), 5);
    expect(w.data[1]).toBeCloseTo(-1 - 0.1 * (-1 + 0.5 * -1), 5);
    expect(b.data[0]).toBeCloseTo(1 - 0.1, 5);
    expect(opt.stepCount).toBe(1);
    opt.zeroGrad();
    expect(Array.from(w.grad!)).toEqual([0, 0]);
  });
  it('minimises a quadratic', () => {
    const x = T.tensor([3, -2], [2], { requiresGrad: true });
    const opt = new AdamW([x], { lr: 0.1, weightDecay: 0 });
    for (let i = 0; i < 300; i++) {
      T.scope(() => T.backward(T.sum(T.square(T.sub(x, T.tensor([1, 1]))))));
      opt.step();
      opt.zeroGrad();
    }
    expect(Math.abs(x.data[0] - 1)).toBeLessThan(1e-2);
    expect(Math.abs(x.data[1] - 1)).toBeLessThan(1e-2);
  });
  it('state round-trips', () => {
    const x = T.tensor([1, 2], [2], { requiresGrad: true });
    x.grad = new Float32Array([1, 1]);
    const a = new AdamW([['x', x]]);
    a.step();
    const b = new AdamW([['x', x]]);
    b.loadStateDict(a.stateDict());
    expect(b.stateDict()).toEqual(a.stateDict());
    expect(() => b.loadStateDict({ step: 1, m: new Map(), v: new Map() })).toThrow("no state for 'x'");
  });
});

describe('clipGradNorm', () => {
  it('returns the global norm and scales gradients down to maxNorm', () => {
    const a = T.zeros([2], { requiresGrad: true });
    const b = T.zeros([1], { requiresGrad: true });
    a.grad = new Float32Array([3, 0]);
    b.grad = new Float32Array([4]);
    expect(clipGradNorm([a, b], 10)).toBe(5);
    expect(Array.from(a.grad)).toEqual([3, 0]);
    expect(clipGradNorm([a, b], 1)).toBe(5);
    expect(a.grad[0]).toBeCloseTo(0.6, 5);
    expect(b.grad[0]).toBeCloseTo(0.8, 5);
  });
  it('leaves non-finite gradients alone and reports the norm', () => {
    const a = T.zeros([1], { requiresGrad: true });
    const b = T.zeros([2], { requiresGrad: true });
    a.grad = new Float32Array([Number.POSITIVE_INFINITY]);
    b.grad = new Float32Array([3, 4]);
    expect(clipGradNorm([a, b], 1)).toBe(Number.POSITIVE_INFINITY);
    expect(Array.from(a.grad)).toEqual([Number.POSITIVE_INFINITY]);
    expect(Array.from(b.grad)).toEqual([3, 4]);
    a.grad[0] = Number.NaN;
    expect(clipGradNorm([a, b], 1)).toBeNaN();
    expect(Array.from(a.grad)).toEqual([Number.NaN]);
    expect(Array.from(b.grad)).toEqual([3, 4]);
  });
});

describe('warmupCosine', () => {
  it('warms up linearly, decays by a half cosine, then holds the floor', () => {
    const lr = warmupCosine({ maxLr: 1, minLr: 0.1, warmupSteps: 4, totalSteps: 14 });
    expect([0, 1, 2, 3].map(lr)).toEqual([0.25, 0.5, 0.75, 1]);
    expect(lr(4)).toBe(1);
    expect(lr(9)).toBeCloseTo(0.55, 10);
    expect(lr(14)).toBe(0.1);
    expect(lr(100)).toBe(0.1);
    expect(() => warmupCosine({ maxLr: 1, warmupSteps: 5, totalSteps: 2 })).toThrow('warmupCosine');
  });
});
