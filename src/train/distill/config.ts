import { z } from 'zod';
import { LoraConfig } from '../common/lora.js';
import { microBatchOption } from '../common/micro-batches.js';
import { SftConfig } from '../sft/config.js';

// what distillation shares with fine-tuning on demonstrations means the same, defaults and all
const sft = SftConfig.shape;

/**
 * Generalized knowledge distillation (GKD, Agarwal et al. 2023; TRL's GKDTrainer): the student
 * learns the teacher's whole next-token distribution on each answer token — on the data's answers,
 * on answers the student samples itself (on-policy), or on the teacher's.
 */
export const DistillConfig = z.strictObject({
  data: z
    .string()
    .default('')
    .describe(
      'prompts with answers: demonstrations {"prompt","response"}, {"prompt","completion"}, {"messages"} or OASST trees',
    ),
  prompts: z
    .string()
    .default('')
    .describe(
      'more prompts, without answers, for the steps that sample (on-policy, seqKd): {"text"} or {"prompt"} lines, e.g. RL prompts',
    ),
  teacher: z.string().default('').describe('checkpoint distilled from (frozen): the aligned policy'),
  model: z
    .string()
    .default('')
    .describe("checkpoint to start the student from (any size, the teacher's tokenizer)"),
  tokenizer: z
    .string()
    .default('')
    .describe("the student's tokenizer file, when it has none (a llama2.c .bin); it must be the teacher's"),
  out: z
    .string()
    .default('runs/distill')
    .describe('output folder (becomes the student checkpoint; log.jsonl, train-config.json)'),
  beta: z
    .number()
    .min(0)
    .max(1)
    .default(0.5)
    .describe(
      "β of the generalized JSD: 0 the forward KL(teacher ‖ student), 1 the reverse KL(student ‖ teacher) (TRL's default 0.5)",
    ),
  lmbda: z
    .number()
    .min(0)
    .max(1)
    .default(0.5)
    .describe(
      "λ, the share of steps on answers the student samples itself (on-policy; the paper finds more is better; TRL's 0.5)",
    ),
  seqKd: z
    .boolean()
    .default(false)
    .describe("the other steps on answers the teacher samples instead of the data's (sequence-level KD)"),
  temperature: z
    .number()
    .positive()
    .default(1)
    .describe('sampling temperature of the on-policy and teacher answers (1: the distributions themselves)'),
  maxNew: z.number().int().positive().default(64).describe('most tokens a sampled answer has'),
  steps: sft.steps,
  batchSize: sft.batchSize,
  microBatch: microBatchOption('answers'),
  lr: sft.lr,
  minLrRatio: sft.minLrRatio,
  warmupSteps: sft.warmupSteps,
  weightDecay: sft.weightDecay,
  gradClip: sft.gradClip,
  maxLength: sft.maxLength,
  heldoutFraction: z
    .number()
    .min(0)
    .max(0.5)
    .default(0.1)
    .describe('examples kept out of training: the divergence on their answers is the held-out loss'),
  evalEvery: sft.evalEvery,
  saveEvery: sft.saveEvery,
  lora: LoraConfig,
  resume: sft.resume,
  seed: z.number().int().default(0).describe('shuffling, split, on-policy choice and sampling seed'),
});
export type DistillConfig = z.infer<typeof DistillConfig>;
