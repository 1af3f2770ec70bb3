import { z } from 'zod';
import { LoraConfig } from '../common/lora.js';
import { microBatchOption } from '../common/micro-batches.js';
import { PREFERENCE_FORMATS } from '../common/preference-data.js';
import { DPO_LOSS_TYPES } from './loss.js';

/** SimPO, ORPO and CPO score answers by the policy alone: no reference model is loaded or run. */
export const REFERENCE_FREE_LOSS_TYPES = ['simpo', 'orpo', 'cpo'] as const;
export const PREFERENCE_LOSS_TYPES = [...DPO_LOSS_TYPES, ...REFERENCE_FREE_LOSS_TYPES] as const;
export type PreferenceLossType = (typeof PREFERENCE_LOSS_TYPES)[number];

/** β when --beta is not given: each loss's β means something else (see its describe text). */
const DEFAULT_BETA: Record<PreferenceLossType, number> = {
  sigmoid: 0.1,
  ipo: 0.1,
  hinge: 0.1,
  robust: 0.1,
  simpo: 2,
  orpo: 0.1,
  cpo: 0.1,
};

/** Losses without a flipped-label term, so --labelSmoothing would silently do nothing there. */
const NO_LABEL_SMOOTHING: readonly PreferenceLossType[] = ['ipo', 'hinge', 'orpo'];

export function usesReference(lossType: PreferenceLossType): boolean {
  return !(REFERENCE_FREE_LOSS_TYPES as readonly string[]).includes(lossType);
}

/**
 * Direct preference optimisation on rankings (every pair of a ranking) or flat pairs, and the
 * reference-free SimPO, ORPO and CPO. Parsing fills in β (and SimPO's γ) by loss, so the config saved
 * beside a run says what ran.
 */
export const DpoOptions = z.strictObject({
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
    .describe(
      'checkpoint to start from (the SFT model; orpo also a base one); sigmoid, ipo, hinge, robust: a frozen copy is the reference',
    ),
  tokenizer: z.string().default('').describe('tokenizer file, when the checkpoint has none (llama2.c .bin)'),
  out: z.string().default('runs/dpo').describe('output folder (checkpoint, log.jsonl, train-config.json)'),
  beta: z
    .number()
    .positive()
    .optional()
    .describe(
      'β by --lossType: sigmoid, ipo, hinge, robust the pull toward the reference (DPO paper: 0.1); simpo the reward scale (SimPO: 2–2.5); orpo λ, the odds-ratio weight (ORPO: 0.1); cpo the scale of the log-likelihood gap (CPO, TRL: 0.1). Default 0.1, simpo 2',
    ),
  lossType: z
    .enum(PREFERENCE_LOSS_TYPES)
    .default('sigmoid')
    .describe(
      'sigmoid: DPO −log σ(βh); ipo: (h − 1/(2β))² (Azar et al.); hinge: max(0, 1 − βh) (SLiC); robust: DPO unbiased for a share --labelSmoothing of flipped labels (rDPO); reference-free: simpo −log σ(r_w − r_l − γ), r = β·mean token log-prob; orpo SFT + λ·odds-ratio loss; cpo −log σ(β(log π(y_w) − log π(y_l))) + α·NLL(y_w)',
    ),
  simpoGamma: z
    .number()
    .min(0)
    .optional()
    .describe(
      'simpo only: γ, the reward margin the chosen answer must clear (default β/2: the SimPO paper tunes γ/β ≈ 0.5)',
    ),
  cpoAlpha: z
    .number()
    .min(0)
    .optional()
    .describe(
      "cpo only: α, the weight of the chosen answers' per-token negative log-likelihood, the term that stands in for the reference (CPO, TRL's cpo_alpha: 1)",
    ),
  labelSmoothing: z
    .number()
    .min(0)
    .max(0.49)
    .default(0)
    .describe(
      'sigmoid, simpo, cpo and robust: share of preferences presumed flipped (sigmoid, simpo, cpo: conservative DPO; robust: rDPO; noisy labelers)',
    ),
  rpoAlpha: z
    .number()
    .min(0)
    .default(0)
    .describe(
      "sigmoid, ipo, hinge, robust: α, the weight of the chosen answers' per-token negative log-likelihood added to the loss (RPO, Pang et al. 2024; TRL's rpo_alpha): keeps the chosen answers likely, not just likelier than the rejected; 0: off",
    ),
  epochs: z.number().positive().default(1).describe('passes over the training pairs'),
  batchPairs: z.number().int().positive().default(8).describe('preference pairs per step'),
  microBatch: microBatchOption('pairs'),
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
  lora: LoraConfig,
  resume: z.boolean().default(false).describe('continue from the state saved in --out'),
  seed: z.number().int().default(0).describe('shuffling and split seed'),
});

export const DpoConfig = DpoOptions.superRefine((c, ctx) => {
  if (c.labelSmoothing > 0 && NO_LABEL_SMOOTHING.includes(c.lossType))
    ctx.addIssue({
      code: 'custom',
      path: ['labelSmoothing'],
      message: `applies to the sigmoid, simpo, cpo and robust losses only (${c.lossType} has no flipped-label term)`,
    });
  if (c.rpoAlpha > 0 && !usesReference(c.lossType))
    ctx.addIssue({
      code: 'custom',
      path: ['rpoAlpha'],
      message: `applies to the losses with a reference only (${c.lossType} ${c.lossType === 'orpo' ? 'has its own likelihood term' : 'is reference-free'})`,
    });
  if (c.cpoAlpha !== undefined && c.lossType !== 'cpo')
    ctx.addIssue({
      code: 'custom',
      path: ['cpoAlpha'],
      message: `applies to --lossType cpo only (not ${c.lossType}${usesReference(c.lossType) ? '; --rpoAlpha adds the same term there' : ''})`,
    });
  if (c.simpoGamma !== undefined && c.simpoGamma > 0 && c.lossType !== 'simpo')
    ctx.addIssue({
      code: 'custom',
      path: ['simpoGamma'],
      message: `applies to --lossType simpo only (not ${c.lossType})`,
    });
}).transform((c) => {
  const beta = c.beta ?? DEFAULT_BETA[c.lossType];
  return {
    ...c,
    beta,
    simpoGamma: c.simpoGamma ?? (c.lossType === 'simpo' ? beta / 2 : 0),
    cpoAlpha: c.cpoAlpha ?? (c.lossType === 'cpo' ? 1 : 0),
  };
});
export type DpoConfig = z.infer<typeof DpoConfig>;
