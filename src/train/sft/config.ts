import { z } from 'zod';
import { LoraConfig } from '../common/lora.js';
import { microBatchOption } from '../common/micro-batches.js';

/** Supervised fine-tuning (imitation learning) on demonstrations. */
export const SftConfig = z.strictObject({
  data: z
    .string()
    .default('')
    .describe(
      'demonstrations JSONL: {"prompt","response"}, {"prompt","completion"}, {"messages"} or {"text"} per line, or OASST trees',
    ),
  model: z.string().default('').describe('checkpoint to start from (the pretrained base model)'),
  out: z
    .string()
    .default('runs/sft')
    .describe('output folder (becomes the checkpoint; log.jsonl, train-config.json)'),
  steps: z.number().int().positive().default(300).describe('optimiser steps'),
  batchSize: z.number().int().positive().default(16).describe('demonstrations per step'),
  microBatch: microBatchOption('demonstrations'),
  lr: z.number().positive().default(3e-4).describe('peak learning rate (small model, short run)'),
  minLrRatio: z.number().min(0).max(1).default(0.1).describe('cosine decays to lr·minLrRatio'),
  warmupSteps: z.number().int().min(0).default(20).describe('linear warmup steps'),
  weightDecay: z.number().min(0).default(0).describe('AdamW decoupled weight decay on matrices'),
  gradClip: z.number().positive().default(1).describe('global gradient-norm clip'),
  maxLength: z.number().int().positive().default(128).describe('tokens per example (longer ones are cut)'),
  heldoutFraction: z.number().min(0).max(0.5).default(0.1).describe('demonstrations kept for eval loss'),
  evalEvery: z.number().int().positive().default(50).describe('steps between eval-loss measurements'),
  saveEvery: z
    .number()
    .int()
    .min(0)
    .default(100)
    .describe('steps between resumable saves (0: only at the end)'),
  completionOnlyLoss: z
    .boolean()
    .default(true)
    .describe("loss on the response tokens only (TRL's completion_only_loss); false: on the prompt's too"),
  neftuneAlpha: z
    .number()
    .min(0)
    .default(0)
    .describe(
      "NEFTune: uniform noise in ±α/√(L·d) on the token embeddings of training passes (TRL's neftune_noise_alpha; the paper's 5); 0: off",
    ),
  lora: LoraConfig,
  resume: z.boolean().default(false).describe('continue from the state saved in --out'),
  seed: z.number().int().default(0).describe('shuffling seed'),
});
export type SftConfig = z.infer<typeof SftConfig>;
