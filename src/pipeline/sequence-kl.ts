/**
 * KL(policy ‖ reference) on the policy's own samples: the mean over samples of
 * Σ_t log π(a_t) − log π_ref(a_t), an unbiased estimate of the sequence-level KL.
 */
import { responseLogProbs, type Transformer } from '../model/transformer.js';
import * as T from '../tensor/index.js';
import { encodeChat } from '../tokenizer/chat-template.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { responseColumns, responseMask, rolloutBatch } from '../train/ppo/rollout.js';

/** Summed log-probs of each answer's ids (stop token included) given its prompt, batch by batch. */
export function answerLogProbs(
  model: Transformer,
  tok: Tokenizer,
  prompts: readonly string[],
  answerIds: readonly (readonly number[])[],
  temperature = 1,
  batchSize = 64,
): Float64Array {
  const out = new Float64Array(prompts.length);
  T.noGrad(() => {
    for (let s = 0; s < prompts.length; s += batchSize) {
      T.scope(() => {
        const idx = Array.from({ length: Math.min(batchSize, prompts.length - s) }, (_, i) => s + i);
        const batch = rolloutBatch(
          idx.map((i) => encodeChat(tok, prompts[i]).ids),
          idx.map((i) => answerIds[i]),
          tok.padId ?? 0,
          model.config.contextLength,
        );
        const lp = responseColumns(
          responseLogProbs(model, batch, batch.responseStart, temperature).logProbs.data,
          batch,
        );
        const mask = responseMask(batch);
        idx.forEach((i, b) => {
          let sum = 0;
          for (let t = 0; t < batch.L; t++) sum += lp[b * batch.L + t] * mask[b * batch.L + t];
          out[i] = sum;
        });
      });
    }
  });
  return out;
}

/** Mean of log π(answer) − log π_ref(answer) over the policy's samples. */
export function sequenceKl(
  policy: Transformer,
  reference: Transformer,
  tok: Tokenizer,
  prompts: readonly string[],
  answerIds: readonly (readonly number[])[],
  temperature = 1,
): number {
  const p = answerLogProbs(policy, tok, prompts, answerIds, temperature);
  const r = answerLogProbs(reference, tok, prompts, answerIds, temperature);
  let sum = 0;
  for (let i = 0; i < p.length; i++) sum += p[i] - r[i];
  return sum / Math.max(1, p.length);
}
