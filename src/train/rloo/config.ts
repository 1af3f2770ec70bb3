import type { z } from 'zod';
import { GrpoConfig } from '../grpo/config.js';

/**
 * RLOO — REINFORCE with a leave-one-out baseline (Kool et al. 2019; Ahmadian et al. 2024): GRPO's
 * critic-free trainer and options (grpo/train.ts) with RLOO's choices as the defaults:
 * - the KL is charged in each response's reward, r'_i = r_i − β·Σ_t (log π_old − log π_ref), β 0.05;
 * - the baseline is the mean of the other G − 1 answers, A_i = r'_i − Σ_{j≠i} r'_j / (G − 1), not
 *   divided by any std (TRL's RLOOTrainer leaves advantages unnormalised by default too);
 * - the update is PPO's clipped surrogate, as TRL's, over rein ppo's 4 epochs (TRL's first RLOO
 *   trainer ran 4 as well; with one epoch and one minibatch the clip would never act).
 * G stays 4, so an iteration samples as many responses as rein ppo and rein grpo (TRL's default is 2).
 */
export const RlooConfig = GrpoConfig.extend({
  out: GrpoConfig.shape.out.unwrap().default('runs/rloo').describe('output folder'),
  beta: GrpoConfig.shape.beta
    .unwrap()
    .default(0.05)
    .describe(
      "β of the KL to the reference, wherever --klPenalty puts it (0.05: TRL's RLOO default; against a learned RM the KL is what holds off over-optimisation)",
    ),
  klPenalty: GrpoConfig.shape.klPenalty
    .unwrap()
    .default('reward')
    .describe(
      "reward: β·Σ_t (log π_old − log π_ref) subtracted from each response's reward before the baseline (RLOO: the KL is weighed against the other answers like the score); loss: β·k3 per token added to the loss (GRPO)",
    ),
  baseline: GrpoConfig.shape.baseline
    .unwrap()
    .default('leave-one-out')
    .describe(
      "what a response's reward is compared with: leave-one-out: the mean of the other G − 1 responses (RLOO: a baseline independent of the response it judges keeps the gradient unbiased); mean: its group's mean, itself included (GRPO)",
    ),
  scaleRewards: GrpoConfig.shape.scaleRewards
    .unwrap()
    .default(false)
    .describe(
      "divide each group's advantages by its reward std (GRPO); false: the plain leave-one-out difference (RLOO)",
    ),
});
export type RlooConfig = z.infer<typeof RlooConfig>;
