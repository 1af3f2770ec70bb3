import { z } from 'zod';

/**
 * `rein recipe stories`: SFT-free RLHF of a real pretrained story model (llama2.c's stories260K)
 * toward kinder stories, with simulated labelers ranking by a lexicon gold plus noise. Sized to run
 * in minutes on two cores.
 */
export const StoriesRecipeConfig = z.strictObject({
  model: z
    .string()
    .default('')
    .describe('the base model: llama2.c .bin (stories260K.bin) or a rein checkpoint'),
  tokenizer: z.string().default('').describe('its tokenizer (tok512.bin) when the model has none stored'),
  out: z
    .string()
    .default('runs/stories')
    .describe('output folder: rankings.jsonl, rm/, policy/, result.json, samples.md'),
  trainOpenings: z.number().int().min(2).default(128).describe('story openings for rankings and PPO'),
  evalOpenings: z
    .number()
    .int()
    .min(1)
    .default(32)
    .describe('held-out openings: gold, RM agreement and KL before/after'),
  openingTokens: z
    .number()
    .int()
    .min(4)
    .default(24)
    .describe('most tokens sampled for an opening (cut after its first sentence)'),
  continuationTokens: z.number().int().min(4).default(32).describe('tokens per continuation (rollouts too)'),
  candidates: z.number().int().min(2).max(9).default(8).describe('K: continuations a labeler ranks at once'),
  rankingsPerOpening: z
    .number()
    .int()
    .positive()
    .default(2)
    .describe('rankings collected per training opening'),
  labelers: z.number().int().positive().default(3).describe('simulated labelers (each its own noise)'),
  labelerNoise: z
    .number()
    .min(0)
    .default(0.5)
    .describe("labeler noise σ, as a share of the gold's spread (labeler i: σ·(0.5 + i/labelers))"),
  rmTuneFraction: z
    .number()
    .min(0)
    .max(0.5)
    .default(0.15)
    .describe('rankings held out to pick the RM checkpoint'),
  rmEpochs: z.number().positive().default(4).describe('passes over the rankings'),
  rmBatchRankings: z.number().int().positive().default(8).describe('rankings per RM step'),
  rmLr: z.number().positive().default(1e-3).describe('RM peak learning rate'),
  ppoIterations: z.number().int().positive().default(20).describe('PPO rollout → update iterations'),
  ppoRolloutBatch: z.number().int().positive().default(32).describe('openings sampled per iteration'),
  ppoMinibatch: z.number().int().positive().default(16).describe('rollouts per gradient step'),
  ppoEpochs: z.number().int().positive().default(4).describe("passes over each iteration's rollouts"),
  ppoLr: z.number().positive().default(1e-4).describe('policy learning rate'),
  klBeta: z.number().min(0).default(0.1).describe('KL penalty β'),
  evalSamples: z.number().int().positive().default(8).describe('continuations per held-out opening'),
  seed: z.number().int().default(0).describe('sampling, labeler and shuffling seed'),
});
export type StoriesRecipeConfig = z.infer<typeof StoriesRecipeConfig>;
