import { z } from 'zod';
import { microBatchOption } from '../common/micro-batches.js';

/** Pretraining a base model from scratch on a corpus (the assistant world's by default). */
export const PretrainConfig = z.strictObject({
  world: z
    .string()
    .default('')
    .describe('world folder: trains on its pretrain.jsonl (documents and dialogues)'),
  corpus: z
    .string()
    .default('')
    .describe('or a corpus JSONL of {"text"} lines (or the world\'s record shapes)'),
  out: z
    .string()
    .default('runs/base')
    .describe('run folder (becomes the checkpoint; log.jsonl, train-config.json, state/ while it runs)'),
  vocabSize: z
    .number()
    .int()
    .min(300)
    .default(1024)
    .describe('byte-level BPE vocabulary, special tokens included'),
  arch: z.enum(['gpt', 'llama']).default('llama').describe('transformer style'),
  dim: z.number().int().positive().default(160).describe('model width'),
  layers: z.number().int().positive().default(4).describe('transformer blocks'),
  heads: z.number().int().positive().default(4).describe('attention heads'),
  contextLength: z.number().int().positive().default(128).describe('longest sequence (longer ones are cut)'),
  steps: z
    .number()
    .int()
    .positive()
    .default(8000)
    .describe(
      'optimiser steps (~5 epochs of the default world: held-out facts and sums, stated only in its documents, need them)',
    ),
  batchSize: z.number().int().positive().default(32).describe('sequences per step'),
  microBatch: microBatchOption('sequences'),
  lr: z.number().positive().default(2e-3).describe('peak learning rate (small models take large ones)'),
  minLrRatio: z.number().min(0).max(1).default(0.1).describe('cosine decays to lr·minLrRatio'),
  warmupSteps: z.number().int().min(0).default(60).describe('linear warmup steps'),
  weightDecay: z.number().min(0).default(0.05).describe('AdamW weight decay on matrices'),
  gradClip: z.number().positive().default(1).describe('global gradient-norm clip'),
  heldoutFraction: z.number().min(0).max(0.5).default(0.01).describe('corpus share kept for eval loss'),
  evalEvery: z.number().int().positive().default(250).describe('steps between eval-loss measurements'),
  saveEvery: z
    .number()
    .int()
    .min(0)
    .default(250)
    .describe('steps between resumable saves (0: only at the end)'),
  resume: z.boolean().default(false).describe('continue from the state saved in --out'),
  seed: z.number().int().default(0).describe('initialisation and shuffling seed'),
});
export type PretrainConfig = z.infer<typeof PretrainConfig>;
