/**
 * RLOO's trainer: the critic-free trainer of GRPO (grpo/train.ts, trainCriticFree) run with
 * RlooConfig's settings, so both methods share one iteration loop and every option (PPO-ptx,
 * --resume, the non-finite checks). An RLOO iteration, in order:
 *   1 rollout: G answers per prompt from the current policy
 *   2 score: the reward model on each answer (plus the no-EOS penalty)
 *   3 log-probs of the answers under the policy (old) and the frozen reference
 *   4 KL-penalised rewards: r'_i = r_i − β·Σ_t (log π_old − log π_ref)   (grpo/kl-reward.ts)
 *   5 leave-one-out advantages: A_i = r'_i − Σ_{j≠i} r'_j / (G − 1), on every token of answer i
 *      (grpo/advantages.ts)
 *   6 PPO's clipped surrogate over epochs of shuffled minibatches (plus PPO-ptx when asked).
 */
import type { LoraAdapters } from '../../model/lora.js';
import { type CriticFreeRun, type GrpoIterationLog, trainCriticFree } from '../grpo/train.js';

/** RLOO: the critic-free trainer, given RlooConfig's settings (RlooConfig.parse fills in its defaults). */
export function trainRloo(...run: CriticFreeRun): GrpoIterationLog[] & { lora?: LoraAdapters } {
  return trainCriticFree('rloo', ...run);
}
