import { describe, expect, it } from 'vitest';
import { benchModelConfig, median } from './shape.js';
import { benchTrain, type TrainBenchOptions } from './train.js';

const tiny: TrainBenchOptions = {
  arch: 'gpt',
  vocab: 16,
  ctx: 8,
  layers: 1,
  dim: 8,
  heads: 2,
  kvHeads: 0,
  hidden: 0,
  batch: 2,
  steps: 3,
  warmup: 1,
  seed: 1,
  profile: false,
};

describe('bench train', () => {
  it('builds the reference shape: untied classifier, default MLP widths, optional GQA', () => {
    const gpt = benchModelConfig({ ...tiny, vocab: 512, ctx: 128, layers: 4, dim: 256, heads: 4 });
    expect([gpt.tiedEmbeddings, gpt.hidden, gpt.nKvHeads, gpt.bias]).toEqual([false, 1024, 4, true]);
    const llama = benchModelConfig({ ...tiny, arch: 'llama', dim: 256, heads: 4, kvHeads: 2 });
    expect([llama.hidden, llama.nKvHeads, llama.bias]).toEqual([704, 2, false]);
  });

  it('times the steps after warm-up and trains (a tiny model, both archs, with the profiler)', () => {
    for (const arch of ['gpt', 'llama'] as const) {
      const r = benchTrain({ ...tiny, arch, profile: true });
      expect(r.stepMs).toHaveLength(3);
      expect(r.msPerStep).toBe(median(r.stepMs));
      expect(Number.isFinite(r.firstLoss) && Number.isFinite(r.lastLoss)).toBe(true);
      expect(r.firstLoss).toBeGreaterThan(Math.log(16) - 0.5); // random init: about ln V
      expect(r.profile).toMatch(/gemm/);
      expect(r.profile).toMatch(/outside kernels/);
    }
  });

  it('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
