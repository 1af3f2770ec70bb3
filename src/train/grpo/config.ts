import { z } from 'zod';
import { RlLoraConfig } from '../common/lora.js';
import { microBatchOption } from '../common/micro-batches.js';
import { rlRunFields } from '../common/rl-iteration.js';

export const LOSS_AGGREGATIONS = ['token', 'sequence'] as const;
export const GROUP_BASELINES = ['mean', 'leave-one-out'] as const;
export const KL_PENALTIES = ['loss', 'reward'] as const;

/**
 * GRPO (Shao et al. 2024, DeepSeekMath): PPO's clipped surrogate without a value model — each
 * prompt's G sampled responses are scored by the reward model and each response's advantage is its
 * reward against the group's; the KL to the reference sits in the loss. `baseline` and `klPenalty`
 * make the same trainer RLOO (rloo/config.ts holds RLOO's defaults).
 */
export const GrpoConfig = z.strictObject({
  prompts: z.string().default('').describe('RL prompts JSONL: {"text"} (or {"prompt"}) per line'),
  policy: z
    .string()
    .default('')
    .describe('checkpoint of the SFT model: the starting policy and the frozen reference'),
  rm: z
    .string()
    .default('')
    .describe('reward model checkpoint (scalar head); with --reward too, the two rewards are added'),
  reward: z
    .string()
    .default('')
    .describe(
      "reward function: a JavaScript module whose default export maps (prompts, responses, records: each prompt's line) to one number per response",
    ),
  out: z.string().default('runs/grpo').describe('output folder'),
  iterations: z
    .number()
    .int()
    .positive()
    .default(60)
    .describe('sample → score → update iterations (rein ppo also runs 60 by default)'),
  promptsPerIteration: z
    .number()
    .int()
    .positive()
    .default(16)
    .describe('prompts per iteration: with groupSize 4, 64 responses, as many as rein ppo samples'),
  groupSize: z
    .number()
    .int()
    .min(2)
    .default(4)
    .describe(
      'G responses per prompt: the group its rewards are compared within (2 is the least that compares)',
    ),
  maxNew: z.number().int().positive().default(40).describe('most response tokens per rollout'),
  temperature: z
    .number()
    .positive()
    .default(1)
    .describe('sampling temperature, also used for every log-prob pass'),
  minibatch: z
    .number()
    .int()
    .positive()
    .default(16)
    .describe('responses per gradient step (as rein ppo: 4 steps per epoch of 64)'),
  microBatch: microBatchOption('responses'),
  epochs: z
    .number()
    .int()
    .positive()
    .default(4)
    .describe("passes over each iteration's responses (rein ppo's 4: the clip then has work to do)"),
  lr: z.number().positive().default(3e-5).describe("policy learning rate (rein ppo's)"),
  clipRange: z.number().positive().default(0.2).describe('ε: the policy ratio is clipped to 1 ± ε'),
  beta: z
    .number()
    .min(0)
    .default(0.04)
    .describe(
      "β of the KL to the reference, wherever --klPenalty puts it (the paper's 0.04: against a learned RM the KL is what holds off over-optimisation; TRL's later 0 follows work on verifiable rewards)",
    ),
  klPenalty: z
    .enum(KL_PENALTIES)
    .default('loss')
    .describe(
      "loss: β·k3 per token added to the loss (GRPO); reward: β·Σ_t (log π_old − log π_ref) subtracted from each response's reward before the baseline (RLOO)",
    ),
  baseline: z
    .enum(GROUP_BASELINES)
    .default('mean')
    .describe(
      "what a response's reward is compared with: mean: its group's mean, itself included (GRPO); leave-one-out: the mean of the other G − 1 responses (RLOO: a baseline independent of the response it judges)",
    ),
  scaleRewards: z
    .boolean()
    .default(true)
    .describe(
      "divide each group's advantages by its reward std (the paper); false: centre only (Dr. GRPO: the std weights near-unanimous groups, too easy or too hard, up)",
    ),
  lossAggregation: z
    .enum(LOSS_AGGREGATIONS)
    .default('token')
    .describe(
      "token: mean over every response token of the minibatch (DAPO; each token weighs the same, as rein ppo's); sequence: mean per response, then over responses (the paper; a long response's tokens weigh less)",
    ),
  noEosPenalty: z
    .number()
    .default(-1)
    .describe('added to the reward of a response that never produced the end token'),
  gradClip: z.number().positive().default(1).describe('global gradient-norm clip'),
  lora: RlLoraConfig,
  ...rlRunFields,
});
export type GrpoConfig = z.infer<typeof GrpoConfig>;
