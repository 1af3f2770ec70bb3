/**
 * KL(policy ‖ reference) on the policy's own samples: the mean over samples of
 * Σ_t log π(a_t) − log π_ref(a_t), an unbiased estimate of the sequence-level KL.
 */
import type { Transformer } from '../model/transformer.js';
import { encodeChat } from '../tokenizer/chat-template.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { summedResponseLogProbs } from '../train/common/rollout.js';

/** Mean of log π(answer) − log π_ref(answer) over the policy's samples (answer ids include the stop token). */
export function sequenceKl(
  policy: Transformer,
  reference: Transformer,
  tok: Tokenizer,
  prompts: readonly string[],
  answerIds: readonly (readonly number[])[],
  temperature = 1,
): number {
  const promptIds = prompts.map((p) => encodeChat(tok, p).ids);
  const padId = tok.padId ?? 0;
  const p = summedResponseLogProbs(policy, promptIds, answerIds, padId, temperature);
  const r = summedResponseLogProbs(reference, promptIds, answerIds, padId, temperature);
  let sum = 0;
  for (let i = 0; i < p.length; i++) sum += p[i] - r[i];
  return sum / Math.max(1, p.length);
}
