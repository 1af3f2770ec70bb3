/**
 * What the engine benchmarks share: the model-shape flags (`--arch --vocab --ctx --layers --dim
 * --heads --kv-heads --hidden`, which the PyTorch reference reads alike) and the median of timings.
 */
import { type ModelConfig, resolveModelConfig } from '../model/config.js';

export interface ModelShape {
  arch: 'gpt' | 'llama';
  vocab: number;
  ctx: number;
  layers: number;
  dim: number;
  heads: number;
  /** 0: as many as heads. */
  kvHeads: number;
  /** 0: the arch's default MLP width. */
  hidden: number;
}

/** The model config of these flags (untied embeddings, as the reference builds it). */
export function benchModelConfig(o: ModelShape): ModelConfig {
  return resolveModelConfig(
    {
      arch: o.arch,
      vocabSize: o.vocab,
      contextLength: o.ctx,
      nLayers: o.layers,
      dim: o.dim,
      nHeads: o.heads,
      nKvHeads: o.kvHeads > 0 ? o.kvHeads : undefined,
      hidden: o.hidden > 0 ? o.hidden : undefined,
      tiedEmbeddings: false,
    },
    'bench flags',
  );
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
