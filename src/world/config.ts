import { z } from 'zod';
import { FAMILIES, type Family } from './families.js';

const perFamily = (defaults: Record<Family, number>) =>
  z
    .strictObject(
      Object.fromEntries(FAMILIES.map((f) => [f, z.number().min(0).max(1)])) as Record<Family, z.ZodNumber>,
    )
    .default(defaults);

/**
 * The knobs of the world generator. Everything has a default; the seed is the one knob most
 * runs change. Sizes are in records.
 */
export const WorldConfig = z.strictObject({
  /** Same seed → byte-identical world. */
  seed: z.string().min(1).default('1'),
  /** Share of Chinese prompts in every split and in the pretraining dialogues (the spec asks ≥ 0.2). */
  zhShare: z.number().min(0.2).max(0.8).default(0.35),
  /** Share of each entity pool (capitals, operand pairs, harmful actions, …) kept for evaluation only. */
  heldOutShare: z.number().gt(0).lt(0.5).default(0.2),
  /** Share of evaluation prompts phrased with a held-out template (the rest use seen templates). */
  evalHeldOutTemplateShare: z.number().min(0).max(1).default(0.5),
  /** Demonstrations per covered family (6 families: not false_premise, not advice). */
  demosPerFamily: z.number().int().min(0).default(70),
  /** Ranking prompts per family (for the reward model). */
  rankPerFamily: z.number().int().min(0).default(200),
  /** RL prompts per family (for PPO). */
  rlPerFamily: z.number().int().min(0).default(300),
  /** Evaluation prompts per family. */
  evalPerFamily: z.number().int().min(1).default(100),
  /** Dialogues in the pretraining corpus. */
  pretrainDialogues: z.number().int().min(0).default(50_000),
  /**
   * How often each fact sentence appears in the pretraining documents, per language. Evaluation
   * asks about held-out facts, which only these documents state: at 20/5 a 1.4 M-parameter base
   * answered 33 % of held-out fact and 9 % of held-out sums right after 3,000 steps.
   */
  docRepeats: z
    .strictObject({ fact: z.number().int().min(0), arith: z.number().int().min(0) })
    .default({ fact: 30, arith: 30 }),
  /**
   * Share of pretraining dialogues answered in the family's misaligned style. Tuned so a base
   * model shows every misalignment at ≥ 25 % on its family; fact answers stay mostly right so
   * the facts remain learnable.
   */
  misalignedShare: perFamily({
    fact: 0.35,
    unknown: 0.6,
    math: 0.4,
    false_premise: 0.6,
    harmful: 0.55,
    benign_sensitive: 0.5,
    rude_user: 0.5,
    advice: 0.65,
  }),
  /** Mix of families among the pretraining dialogues (normalised). */
  familyWeights: perFamily({
    fact: 0.2,
    unknown: 0.1,
    math: 0.16,
    false_premise: 0.12,
    harmful: 0.1,
    benign_sensitive: 0.1,
    rude_user: 0.1,
    advice: 0.12,
  }),
  /**
   * Arithmetic range: plus and minus up to maxOperand, times up to maxFactor. Kept to a table a
   * 1.4 M-parameter model can learn: with operands up to 20 (793 sums) it got 12 % of the held-out
   * ones right after 4,000 steps.
   */
  arith: z
    .strictObject({ maxOperand: z.number().int().min(2).max(20), maxFactor: z.number().int().min(2).max(20) })
    .default({ maxOperand: 10, maxFactor: 6 }),
  /** Invented entities: training ones appear in training splits and pretraining; evaluation ones nowhere else. */
  unknown: z
    .strictObject({
      trainCountries: z.number().int().min(1),
      evalCountries: z.number().int().min(1),
      trainAnimals: z.number().int().min(1),
      evalAnimals: z.number().int().min(1),
      cities: z.number().int().min(1),
    })
    .default({ trainCountries: 40, evalCountries: 12, trainAnimals: 16, evalAnimals: 6, cities: 30 }),
});
export type WorldConfig = z.infer<typeof WorldConfig>;
