/**
 * Training smoke tests of nn + optim on the tensor layer: a tiny transformer overfits one batch,
 * a seeded run reproduces bit for bit, and a training loop's memory stays flat.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { AdamW, clipGradNorm, warmupCosine } from '../optim/index.js';
import * as T from '../tensor/index.js';
import { Rng } from '../util/rng.js';
import { randomBatch, TinyMlpLm, TinyTransformerLm } from './tiny-lm.fixture.js';

/** Trains the tiny transformer on one fixed batch; returns the loss per step and the final parameters. */
function overfit(
  seed: number,
  steps: number,
  dropoutP: number,
): { losses: number[]; params: Float32Array[] } {
  const rng = new Rng(seed);
  const [V, C, H, B, Tt] = [16, 32, 2, 4, 8];
  const model = new TinyTransformerLm(V, C, H, rng, dropoutP);
  const { ids, targets } = randomBatch(rng, V, B, Tt);
  const named = model.namedParameters();
  const opt = new AdamW(named, { lr: 1e-2, weightDecay: 0 });
  const lrAt = warmupCosine({ maxLr: 1e-2, minLr: 1e-3, warmupSteps: 10, totalSteps: steps });
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const loss = T.scope(() => {
      const l = model.loss(ids, targets, B, Tt);
      T.backward(l);
      return l.item();
    });
    clipGradNorm(named, 1);
    opt.lr = lrAt(step);
    opt.step();
    opt.zeroGrad();
    losses.push(loss);
  }
  return { losses, params: model.parameters().map((p) => Float32Array.from(p.data)) };
}

describe('training', () => {
  it('a tiny transformer overfits one batch (loss from ~ln 16 = 2.77 to below 0.05)', () => {
    const { losses } = overfit(1, 150, 0);
    expect(losses[0]).toBeGreaterThan(2);
    expect(losses[losses.length - 1]).toBeLessThan(0.05);
  });

  it('a seeded run (with dropout) reproduces exactly; another seed differs', () => {
    const a = overfit(42, 20, 0.1);
    const b = overfit(42, 20, 0.1);
    expect(b.losses).toEqual(a.losses);
    for (let i = 0; i < a.params.length; i++) expect(b.params[i]).toEqual(a.params[i]);
    const c = overfit(43, 20, 0.1);
    expect(c.losses).not.toEqual(a.losses);
  });

  it('RSS after 500 steps is within 10% of RSS after 50, and the pool allocates nothing new', () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const rng = new Rng(5);
    const [V, C, B, Tt] = [32, 32, 8, 32];
    const model = new TinyMlpLm(V, C, rng);
    const named = model.namedParameters();
    const opt = new AdamW(named, { lr: 1e-3 });
    const step = (): void => {
      const { ids, targets } = randomBatch(rng, V, B, Tt);
      T.scope(() => {
        const l = model.loss(ids, targets, B, Tt);
        T.backward(l);
        return l.item();
      });
      clipGradNorm(named, 1);
      opt.step();
      opt.zeroGrad();
    };
    for (let i = 0; i < 50; i++) step();
    gc();
    const rss50 = process.memoryUsage().rss;
    const fresh50 = T.poolStats().fresh;
    for (let i = 50; i < 500; i++) step();
    gc();
    const rss500 = process.memoryUsage().rss;
    expect(T.poolStats().fresh).toBe(fresh50);
    expect(rss500).toBeLessThanOrEqual(rss50 * 1.1);
  });
});
