import { z } from 'zod';
import { microBatchOption } from '../common/micro-batches.js';
import { DpoOptions } from '../dpo/config.js';
import { FEEDBACK_FORMATS } from './data.js';

// the options that mean for KTO what they mean for DPO are DPO's own, defaults and all
const dpo = DpoOptions.shape;

/**
 * Kahneman–Tversky optimisation on unpaired feedback — one answer at a time, desirable or not —
 * or on preference files, unpaired on reading. The learning rate is DPO's (5e-5): the KTO paper
 * and TRL train with DPO's rates, the loss being of the same scale (a sigmoid of β times log-ratios).
 */
export const KtoConfig = z.strictObject({
  data: z
    .string()
    .default('')
    .describe(
      'unpaired answers JSONL {prompt, completion, label}, or any preference file (rankings, pairs, HH-RLHF, OASST)',
    ),
  format: z
    .enum(FEEDBACK_FORMATS)
    .default('auto')
    .describe('format of --data (auto: read off the first line; unpaired when it has completion and label)'),
  model: z
    .string()
    .default('')
    .describe('checkpoint to start from (the SFT model); a frozen copy is the reference'),
  tokenizer: dpo.tokenizer,
  out: z.string().default('runs/kto').describe('output folder (checkpoint, log.jsonl, train-config.json)'),
  beta: z
    .number()
    .positive()
    .default(0.1)
    .describe('β, the pull toward the reference: rewards are β·(log π − log π_ref) (KTO paper, TRL: 0.1)'),
  desirableWeight: z
    .number()
    .positive()
    .default(1)
    .describe('λ_D, the weight of desirable answers; the paper advises λ_D·n_D / (λ_U·n_U) from 1 to 4/3'),
  undesirableWeight: z
    .number()
    .positive()
    .default(1)
    .describe("λ_U, the weight of undesirable answers (raise the scarcer kind's weight to balance them)"),
  epochs: z.number().positive().default(1).describe('passes over the training examples'),
  batchSize: z
    .number()
    .int()
    .positive()
    .default(8)
    .describe('examples per step; their mismatched answers estimate the KL reference point'),
  microBatch: microBatchOption('examples', 'z₀ still comes from the whole batch'),
  lr: dpo.lr,
  minLrRatio: dpo.minLrRatio,
  warmupSteps: dpo.warmupSteps,
  weightDecay: dpo.weightDecay,
  gradClip: dpo.gradClip,
  maxLength: dpo.maxLength,
  heldoutFraction: z
    .number()
    .min(0)
    .max(0.5)
    .default(0.1)
    .describe('prompts (with all their answers) held out for loss, KL, rewards and accuracy'),
  evalEvery: dpo.evalEvery,
  saveEvery: dpo.saveEvery,
  lora: dpo.lora,
  resume: dpo.resume,
  seed: z.number().int().default(0).describe('shuffling, split and mismatched-answer seed'),
});
export type KtoConfig = z.infer<typeof KtoConfig>;
