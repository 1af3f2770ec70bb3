import { z } from 'zod';
import { LoraConfig } from '../common/lora.js';
import { microBatchOption } from '../common/micro-batches.js';

/** Reward model training on rankings (K-way, ties allowed) or flat chosen/rejected pairs. */
export const RewardConfig = z.strictObject({
  data: z
    .string()
    .default('')
    .describe('rankings JSONL (ranking records) or pairs JSONL {prompt, chosen, rejected}'),
  model: z
    .string()
    .default('')
    .describe('checkpoint to start from (the SFT model); its unembedding gives way to a scalar head'),
  out: z.string().default('runs/rm').describe('output folder'),
  epochs: z
    .number()
    .positive()
    .default(2)
    .describe('passes over the training rankings (InstructGPT: 1 — more overfits)'),
  batchPrompts: z
    .number()
    .int()
    .positive()
    .default(8)
    .describe("rankings per step; all of a ranking's pairs share the step"),
  microBatch: microBatchOption('rankings', 'a ranking is never split'),
  centerRewards: z
    .number()
    .min(0)
    .default(0)
    .describe(
      "c: adds c·(r_w + r_l)² over the ranking loss's pairs, so scores centre on 0 (Eisenstein et al. 2023; TRL's center_rewards_coefficient, 0.01 there); 0: off",
    ),
  lmCoef: z
    .number()
    .min(0)
    .default(0)
    .describe(
      "α: adds α × the next-token loss of each ranking's best answers through the kept language-model head, so the trunk keeps what it could write (GRM, Yang et al. 2024); 0: off",
    ),
  lr: z.number().positive().default(1e-4).describe('peak learning rate'),
  minLrRatio: z.number().min(0).max(1).default(0.1).describe('cosine decays to lr·minLrRatio'),
  warmupSteps: z.number().int().min(0).default(10).describe('linear warmup steps'),
  weightDecay: z.number().min(0).default(0).describe('AdamW weight decay on matrices'),
  gradClip: z.number().positive().default(1).describe('global gradient-norm clip'),
  maxLength: z
    .number()
    .int()
    .positive()
    .default(128)
    .describe('tokens per prompt+answer (longer ones are cut)'),
  heldoutFraction: z
    .number()
    .min(0)
    .max(0.5)
    .default(0.15)
    .describe('rankings held out for pairwise accuracy'),
  normalizeOn: z
    .string()
    .default('')
    .describe('demonstrations JSONL: shift the head so they score mean 0 (before RL)'),
  evalEvery: z.number().int().positive().default(50).describe('steps between held-out accuracy measurements'),
  saveEvery: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe('steps between resumable saves (0: only at the end)'),
  lora: LoraConfig,
  resume: z.boolean().default(false).describe('continue from the state saved in --out'),
  seed: z.number().int().default(0).describe('shuffling and head-initialisation seed'),
});
export type RewardConfig = z.infer<typeof RewardConfig>;
