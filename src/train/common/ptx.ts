/**
 * PPO-ptx (InstructGPT): a log-likelihood term on pretraining text added to an RL loss, so the
 * policy keeps what the base model knew while the reward pulls it elsewhere. Every on-policy
 * trainer (PPO, GRPO and RLOO, online DPO) shares it.
 */
import type { Transformer } from '../../model/transformer.js';
import * as T from '../../tensor/index.js';
import type { Rng } from '../../util/rng.js';
import { packRight, type Sequence } from './batch.js';
import { trainedTokenNll, trainedTokens } from './trained-tokens.js';

/**
 * Mean next-token loss of the policy on `count` texts drawn (with replacement) from `texts` by
 * `rng` — the trainer's own generator, whose state its saves keep, so a resumed run draws the same.
 */
export function ptxLoss(
  policy: Transformer,
  texts: readonly Sequence[],
  count: number,
  rng: Rng,
  padId: number,
): T.Tensor {
  const drawn = Array.from({ length: count }, () => texts[rng.int(texts.length)]);
  const batch = packRight(drawn, padId, policy.config.contextLength);
  return trainedTokenNll(policy, batch, trainedTokens(batch, true), { reduction: 'mean' });
}

/**
 * A gradient step's PPO-ptx term where the run asks for it: ptxCoef · ptxLoss, and the loss's value
 * for the log; null without texts or coefficient.
 */
export function ptxTerm(
  policy: Transformer,
  texts: readonly Sequence[],
  cfg: { ptxCoef: number; ptxBatch: number },
  rng: Rng,
  padId: number,
): { term: T.Tensor; value: number } | null {
  if (cfg.ptxCoef <= 0 || texts.length === 0) return null;
  const lm = ptxLoss(policy, texts, cfg.ptxBatch, rng, padId);
  return { term: T.scale(lm, cfg.ptxCoef), value: lm.item() };
}
