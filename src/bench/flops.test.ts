import { describe, expect, it } from 'vitest';
import { resolveModelConfig } from '../model/config.js';
import { matmulParams, trainStepFlops } from './flops.js';

describe('train step FLOPs', () => {
  it('counts the reference GPT by hand: 12·C² per layer plus the classifier', () => {
    const c = resolveModelConfig({
      arch: 'gpt',
      vocabSize: 512,
      contextLength: 128,
      nLayers: 4,
      dim: 256,
      nHeads: 4,
    });
    expect(matmulParams(c)).toBe(4 * 12 * 256 * 256 + 512 * 256);
    const tokens = 8 * 128;
    expect(trainStepFlops(c, 8, 128)).toBe(
      6 * (4 * 12 * 256 * 256 + 512 * 256) * tokens + 12 * 4 * 128 * 256 * tokens,
    );
  });

  it('llama: SwiGLU has three hidden projections, GQA shrinks k and v', () => {
    const c = resolveModelConfig({
      arch: 'llama',
      vocabSize: 512,
      contextLength: 256,
      nLayers: 5,
      dim: 64,
      nHeads: 8,
      nKvHeads: 4,
      hidden: 172,
    });
    const kv = 4 * 8;
    expect(matmulParams(c)).toBe(5 * (2 * 64 * 64 + 2 * 64 * kv + 3 * 64 * 172) + 512 * 64);
  });
});
