import { z } from 'zod';
import { PREFERENCE_FORMATS } from '../common/preference-data.js';
import { DPO_LOSS_TYPES } from './loss.js';

/** Direct preference optimisation on rankings (every pair of a ranking) or flat pairs. */
export const DpoConfig = z.strictObject({
  data: z
    .string()
    .default('')
    .describe('preferences: rankings JSONL, pairs JSONL {prompt, chosen, rejected}, HH-RLHF or OASST trees'),
  format: z
    .enum(PREFERENCE_FORMATS)
    .default('auto')
    .describe('format of --data (auto: read off the first line)'),
  model: z
    .string()
    .default('')
    .describe('checkpoint to start from (the SFT model); a frozen copy is the reference'),
  tokenizer: z.string().default('').describe('tokenizer file, when the checkpoint has none (llama2.c .bin)'),
  out: z.string().default('runs/dpo').describe('output folder (checkpoint, log.jsonl, train-config.json)'),
  beta: z
    .number()
    .positive()
    .default(0.1)
    .describe('β: strength of the implicit KL to the reference (DPO paper: 0.1)'),
  lossType: z
    .enum(DPO_LOSS_TYPES)
    .default('sigmoid')
    .describe('sigmoid: DPO −log σ(βh); ipo: (h − 1/(2β))², a fixed target margin (Azar et al.)'),
  labelSmoothing: z
    .number()
    .min(0)
    .max(0.49)
    .default(0)
    .describe('sigmoid only: share of preferences presumed flipped (conservative DPO; noisy labelers)'),
  epochs: z.number().positive().default(1).describe('passes over the training pairs'),
  batchPairs: z.number().int().positive().default(8).describe('preference pairs per step'),
  lr: z.number().positive().default(5e-5).describe('peak learning rate'),
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
    .default(0.1)
    .describe('prompts (with all their pairs) held out for loss, margin and accuracy'),
  evalEvery: z.number().int().positive().default(50).describe('steps between held-out measurements'),
  saveEvery: z
    .number()
    .int()
    .min(0)
    .default(100)
    .describe('steps between resumable saves (0: only at the end)'),
  resume: z.boolean().default(false).describe('continue from the state saved in --out'),
  seed: z.number().int().default(0).describe('shuffling and split seed'),
});
export type DpoConfig = z.infer<typeof DpoConfig>;
