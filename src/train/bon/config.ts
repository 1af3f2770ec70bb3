import { z } from 'zod';

/**
 * Best-of-N sampling: N samples per prompt from the policy, the reward model's (or a reward
 * function's) favourite kept.
 */
export const BonConfig = z.strictObject({
  policy: z.string().default('').describe('checkpoint to sample from (the SFT or PPO model)'),
  rm: z
    .string()
    .default('')
    .describe('reward model checkpoint that picks the best sample; with --reward too, the two are added'),
  reward: z
    .string()
    .default('')
    .describe(
      "reward function: a JavaScript module whose default export maps (prompts, responses, records: each prompt's line) to one number per response",
    ),
  prompts: z.string().default('').describe('prompts JSONL: {"text"} (or {"prompt"}) per line'),
  out: z
    .string()
    .default('best-of-n.jsonl')
    .describe('output JSONL: {prompt, response, score, n} per prompt'),
  n: z.number().int().positive().default(4).describe('samples per prompt (KL ≤ log N − (N−1)/N)'),
  maxNew: z.number().int().positive().default(64).describe('most response tokens per sample'),
  temperature: z.number().positive().default(1).describe('sampling temperature'),
  topK: z.number().int().min(0).default(0).describe('sample from the K most likely tokens (0: all)'),
  topP: z.number().gt(0).max(1).default(1).describe('nucleus sampling mass (1: off)'),
  seed: z.number().int().min(0).default(0).describe('sampling seed (prompt i uses its own stream)'),
});
export type BonConfig = z.infer<typeof BonConfig>;
