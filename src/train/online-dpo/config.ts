import { z } from 'zod';
import { RlLoraConfig } from '../common/lora.js';
import { microBatchOption } from '../common/micro-batches.js';
import { rlRunFields } from '../common/rl-iteration.js';
import { DPO_LOSS_TYPES } from '../dpo/loss.js';

/**
 * Online DPO (Guo et al. 2024, "Direct language model alignment from online AI feedback"): DPO's
 * loss on pairs the policy has just sampled, ordered by the reward model. Sampling and scoring are
 * rein ppo's; the update is rein dpo's loss against the frozen SFT model.
 */
export const OnlineDpoConfig = z
  .strictObject({
    prompts: z.string().default('').describe('RL prompts JSONL: {"text"} (or {"prompt"}) per line'),
    policy: z
      .string()
      .default('')
      .describe('checkpoint of the SFT model: the starting policy and the frozen reference'),
    rm: z
      .string()
      .default('')
      .describe(
        'reward model checkpoint (scalar head): the annotator that orders each pair; with --reward too, the two are added',
      ),
    reward: z
      .string()
      .default('')
      .describe(
        "reward function: a JavaScript module whose default export maps (prompts, responses, records: each prompt's line) to one number per answer",
      ),
    out: z.string().default('runs/online-dpo').describe('output folder'),
    iterations: z
      .number()
      .int()
      .positive()
      .default(60)
      .describe('sample → score → pair → update iterations (rein ppo also runs 60 by default)'),
    promptsPerIteration: z
      .number()
      .int()
      .positive()
      .default(16)
      .describe('prompts per iteration: with groupSize 4, 64 answers, as many as rein ppo samples'),
    groupSize: z
      .number()
      .int()
      .min(2)
      .default(4)
      .describe(
        "answers per prompt: the best-scored against the worst makes its pair (the paper's 2; 4, as iterative DPO's best-of-N against worst-of-N, gave the world's demo models more gold at less KL than 2 did)",
      ),
    maxNew: z.number().int().positive().default(40).describe('most response tokens per answer'),
    temperature: z
      .number()
      .positive()
      .default(1)
      .describe('sampling temperature (the loss reads π itself, at temperature 1)'),
    beta: z
      .number()
      .positive()
      .default(0.1)
      .describe('β, the pull toward the reference (the DPO paper and TRL: 0.1)'),
    lossType: z
      .enum(DPO_LOSS_TYPES)
      .default('sigmoid')
      .describe(
        'sigmoid: DPO −log σ(βh); ipo: (h − 1/(2β))² (Azar et al.); hinge: max(0, 1 − βh) (SLiC); robust: rDPO (with --labelSmoothing)',
      ),
    labelSmoothing: z
      .number()
      .min(0)
      .max(0.49)
      .default(0)
      .describe(
        "sigmoid and robust: share of the reward model's orderings presumed wrong (conservative DPO; rDPO)",
      ),
    batchPairs: z
      .number()
      .int()
      .positive()
      .default(8)
      .describe("pairs per gradient step (rein dpo's; an iteration has at most one pair per prompt)"),
    microBatch: microBatchOption('pairs'),
    epochs: z
      .number()
      .int()
      .positive()
      .default(1)
      .describe("passes over each iteration's pairs (1: every step on answers the policy has just given)"),
    lr: z
      .number()
      .positive()
      .default(2e-4)
      .describe(
        "learning rate (with G = 2 the world's demo models moved 0.4 nats in 60 iterations at rein dpo's 5e-5, 3.4 at 2e-4)",
      ),
    noEosPenalty: z
      .number()
      .default(-1)
      .describe(
        'added to the score of an answer that never produced the end token (TRL: missing_eos_penalty)',
      ),
    gradClip: z.number().positive().default(1).describe('global gradient-norm clip'),
    lora: RlLoraConfig,
    ...rlRunFields,
  })
  .superRefine((c, ctx) => {
    if (c.labelSmoothing > 0 && c.lossType !== 'sigmoid' && c.lossType !== 'robust')
      ctx.addIssue({
        code: 'custom',
        path: ['labelSmoothing'],
        message: `applies to the sigmoid and robust losses only (${c.lossType} has no flipped-label term)`,
      });
  });
export type OnlineDpoConfig = z.infer<typeof OnlineDpoConfig>;
