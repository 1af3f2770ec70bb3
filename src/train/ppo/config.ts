import { z } from 'zod';
import { RlLoraConfig } from '../common/lora.js';
import { microBatchOption } from '../common/micro-batches.js';
import { rlRunFields } from '../common/rl-iteration.js';

/** PPO against a reward model, held near the SFT model by a KL penalty (RLHF's third step). */
export const PpoConfig = z.strictObject({
  prompts: z.string().default('').describe('RL prompts JSONL: {"text"} (or {"prompt"}) per line'),
  policy: z
    .string()
    .default('')
    .describe('checkpoint of the SFT model: the starting policy and the frozen reference'),
  rm: z
    .string()
    .default('')
    .describe(
      'reward model checkpoint (also initialises the value model); with --reward too, the two rewards are added',
    ),
  reward: z
    .string()
    .default('')
    .describe(
      "reward function: a JavaScript module whose default export maps (prompts, responses, records: each prompt's line) to one number per response; without --rm the value model starts from the policy",
    ),
  out: z.string().default('runs/ppo').describe('output folder'),
  iterations: z
    .number()
    .int()
    .positive()
    .default(60)
    .describe(
      'rollout → update iterations (each: rolloutBatch prompts sampled, scored, then ppoEpochs of minibatch updates)',
    ),
  rolloutBatch: z.number().int().positive().default(64).describe('prompts sampled per iteration'),
  maxNew: z.number().int().positive().default(40).describe('most response tokens per rollout'),
  temperature: z
    .number()
    .positive()
    .default(1)
    .describe('sampling temperature, also used for every log-prob pass'),
  minibatch: z.number().int().positive().default(16).describe('rollouts per gradient step'),
  microBatch: microBatchOption('rollouts'),
  ppoEpochs: z.number().int().positive().default(4).describe("passes over each iteration's rollouts"),
  lr: z.number().positive().default(3e-5).describe('policy learning rate'),
  valueLr: z.number().positive().default(1e-4).describe('value model learning rate'),
  clipRange: z.number().positive().default(0.2).describe('ε: the policy ratio is clipped to 1 ± ε'),
  valueClipRange: z
    .number()
    .positive()
    .default(0.2)
    .describe('ε_v: values move at most this far from rollout time'),
  vfCoef: z.number().min(0).default(0.1).describe('weight of the value loss'),
  gamma: z.number().min(0).max(1).default(1).describe('discount (1: the episode is one response)'),
  lambda: z.number().min(0).max(1).default(0.95).describe('GAE λ'),
  kl: z
    .strictObject({
      beta: z.number().min(0).default(0.02).describe('KL penalty coefficient β (InstructGPT 0.02)'),
      adaptive: z.boolean().default(false).describe('adapt β towards a KL target (Ziegler et al.)'),
      target: z.number().positive().default(6).describe('adaptive: KL target in nats per response'),
      horizon: z.number().positive().default(10000).describe('adaptive: controller horizon in samples'),
      estimator: z
        .enum(['k1', 'k3'])
        .default('k1')
        .describe('per-token KL: k1 = logπ − logπ_ref; k3 = (r − 1) − log r'),
    })
    .prefault({}),
  whitenRewards: z
    .boolean()
    .default(false)
    .describe('whiten rewards before GAE (advantages are always whitened)'),
  noEosPenalty: z
    .number()
    .default(-1)
    .describe('added to the score of a response that never produced the end token'),
  gradClip: z
    .number()
    .positive()
    .default(1)
    .describe('global gradient-norm clip (policy and value separately)'),
  lora: RlLoraConfig, // on the policy and on the value model (whose head trains beside its adapters)
  ...rlRunFields,
});
export type PpoConfig = z.infer<typeof PpoConfig>;
