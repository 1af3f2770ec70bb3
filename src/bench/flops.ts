/**
 * FLOPs of one training step of the reference transformer, counted the way MFU figures
 * usually are (PaLM appendix B): 6 FLOPs per matmul weight per token (2 forward, 4 backward)
 * plus 12·L·T·C per token for the attention score and value products (counted in full, as if
 * no causal mask halved them). Embedding lookups, norms and elementwise ops are not counted.
 */
import type { ModelConfig } from '../model/config.js';

/** Weights that take part in a matmul (everything but embeddings, norms and biases). */
export function matmulParams(c: ModelConfig): number {
  const C = c.dim;
  const kv = c.nKvHeads * c.headDim;
  const attn = C * C + 2 * C * kv + C * C; // q, k, v, o
  const mlp = c.arch === 'gpt' ? 2 * C * c.hidden : 3 * C * c.hidden; // fc+proj, or gate+up+down
  return c.nLayers * (attn + mlp) + c.vocabSize * C; // + the classifier
}

/** Model FLOPs of one forward + backward over B·T tokens. */
export function trainStepFlops(c: ModelConfig, B: number, T: number): number {
  const tokens = B * T;
  return 6 * matmulParams(c) * tokens + 12 * c.nLayers * T * c.dim * tokens;
}
