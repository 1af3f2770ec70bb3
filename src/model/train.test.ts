/**
 * Training smoke tests of the Transformer with optim on the tensor layer: a small model overfits one
 * batch, a seeded run reproduces bit for bit, and a training loop's memory stays flat.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { AdamW, clipGradNorm, warmupCosine } from '../optim/index.js';
import * as T from '../tensor/index.js';
import { Rng } from '../util/rng.js';
import { type ModelConfig, resolveModelConfig } from './config.js';
import { Transformer } from './transformer.js';

const configs: Record<string, ModelConfig> = {
  gpt: resolveModelConfig({ arch: 'gpt', vocabSize: 16, contextLength: 8, nLayers: 1, dim: 32, nHeads: 2 }),
  llama: resolveModelConfig({
    arch: 'llama',
    vocabSize: 16,
    contextLength: 8,
    nLayers: 1,
    dim: 32,
    nHeads: 4,
    nKvHeads: 2,
    hidden: 64,
  }),
};

/** A random batch of next-token data: ids (B, T) and targets = ids shifted left (one more token drawn). */
function randomBatch(
  rng: Rng,
  vocab: number,
  B: number,
  Tn: number,
): { ids: Int32Array; targets: Int32Array } {
  const ids = new Int32Array(B * Tn);
  const targets = new Int32Array(B * Tn);
  for (let b = 0; b < B; b++) {
    const seq: number[] = [];
    for (let t = 0; t <= Tn; t++) seq.push(rng.int(vocab));
    for (let t = 0; t < Tn; t++) {
      ids[b * Tn + t] = seq[t];
      targets[b * Tn + t] = seq[t + 1];
    }
  }
  return { ids, targets };
}

/** Mean next-token cross-entropy of the batch. */
function lmLoss(model: Transformer, ids: Int32Array, targets: Int32Array, B: number, Tn: number): T.Tensor {
  return T.crossEntropy(model.logits({ ids, B, T: Tn }), targets);
}

/** Trains a fresh model on one fixed batch; returns the loss per step and the final weights. */
function overfit(c: ModelConfig, seed: number, steps: number): { losses: number[]; params: Float32Array[] } {
  const rng = new Rng(seed);
  const [B, Tn] = [4, c.contextLength];
  const model = Transformer.init(c, rng);
  const { ids, targets } = randomBatch(rng, c.vocabSize, B, Tn);
  const named = [...model.params.entries()];
  const opt = new AdamW(named, { lr: 1e-2, weightDecay: 0 });
  const lrAt = warmupCosine({ maxLr: 1e-2, minLr: 1e-3, warmupSteps: 10, totalSteps: steps });
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const loss = T.scope(() => {
      const l = lmLoss(model, ids, targets, B, Tn);
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

describe('training the Transformer', () => {
  for (const [arch, c] of Object.entries(configs)) {
    it(`${arch}: overfits one batch (loss from ~ln 16 = 2.77 to below 0.05)`, () => {
      const { losses } = overfit(c, 1, 150);
      expect(losses[0]).toBeGreaterThan(2);
      expect(losses[losses.length - 1]).toBeLessThan(0.05);
    });
  }

  it('a seeded run reproduces exactly; another seed differs', () => {
    const a = overfit(configs.llama, 42, 20);
    const b = overfit(configs.llama, 42, 20);
    expect(b.losses).toEqual(a.losses);
    for (let i = 0; i < a.params.length; i++) expect(b.params[i]).toEqual(a.params[i]);
    const c = overfit(configs.llama, 43, 20);
    expect(c.losses).not.toEqual(a.losses);
  });

  it('memory stays flat: the pool allocates nothing new, the JS heap and RSS do not grow', () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const rng = new Rng(5);
    const c = configs.gpt;
    const [B, Tn] = [4, c.contextLength];
    const model = Transformer.init(c, rng);
    const named = [...model.params.entries()];
    const opt = new AdamW(named, { lr: 1e-3 });
    const step = (): void => {
      const { ids, targets } = randomBatch(rng, c.vocabSize, B, Tn);
      T.scope(() => {
        const l = lmLoss(model, ids, targets, B, Tn);
        T.backward(l);
        return l.item();
      });
      clipGradNorm(named, 1);
      opt.step();
      opt.zeroGrad();
    };
    const usage = () => {
      gc();
      return { ...process.memoryUsage(), fresh: T.poolStats().fresh };
    };
    // measured from step 150: the first steps also grow the heap with the JIT's compiled code
    for (let i = 0; i < 150; i++) step();
    const before = usage();
    for (let i = 150; i < 600; i++) step();
    const after = usage();
    expect(after.fresh).toBe(before.fresh);
    // the JS heap after a full GC is what a leaked tensor, closure or graph would grow
    expect(after.heapUsed).toBeLessThanOrEqual(before.heapUsed * 1.05);
    // RSS moves by several MB from run to run with the allocator's pages: only a gross native leak shows
    expect(after.rss).toBeLessThanOrEqual(before.rss * 1.25);
  });
});
