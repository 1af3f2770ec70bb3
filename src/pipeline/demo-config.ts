import { z } from 'zod';

const PartialRecord = z.record(z.string(), z.unknown());

/**
 * `rein demo`: the whole alignment story on the assistant world. Stage knobs are passed through
 * to the stage's own config schema (e.g. `--ppo.iterations 20`, `--rm.lr 5e-5`), so every
 * method's defaults live in one place: its config.ts.
 */
const DemoFields = z.strictObject({
  out: z
    .string()
    .default('runs/demo')
    .describe('run folder: one subfolder per stage, report.json, report.html'),
  seed: z.number().int().default(1).describe('seed of the world and of every stage'),
  size: z
    .enum(['default', 'toy'])
    .default('default')
    .describe('toy: minutes → seconds, for tests (numbers mean nothing)'),
  base: z
    .string()
    .default('')
    .describe('a base checkpoint to use instead of the shipped or a pretrained one'),
  pretrainBase: z
    .boolean()
    .default(false)
    .describe('pretrain the base model even when the shipped one was trained on this world'),
  k: z.number().int().min(2).max(9).default(4).describe('candidates per ranking prompt (InstructGPT: 4–9)'),
  labelers: z.number().int().min(2).default(8).describe('simulated labelers per round'),
  agreementShare: z
    .number()
    .min(0)
    .max(1)
    .default(0.2)
    .describe('share of prompts ranked by two labelers (measures agreement)'),
  blindSpot: z
    .string()
    .default('manipulation')
    .describe('label round 1\'s labelers do not see ("" for none)'),
  patch: z
    .boolean()
    .default(true)
    .describe("probe round 1's policy, run a focused round, patch the RM, re-run PPO"),
  patchPrompts: z
    .number()
    .int()
    .positive()
    .default(300)
    .describe('prompts in the focused round, per problem the probe found'),
  labelerTemperature: z
    .number()
    .positive()
    .default(1.1)
    .describe(
      "labelers' noise: two agree on ≈ 73 % of the pairs whose gold differs in round 1 (InstructGPT)",
    ),
  muchWorseAt: z
    .number()
    .positive()
    .optional()
    .describe(
      'labelers mark an answer "much worse" than the one above where they see a drop of at least this (gold units): a margin for the RM (off by default; README)',
    ),
  replay: z.number().min(0).default(1).describe('old rankings replayed per new ranking when patching'),
  patchRlFocus: z
    .number()
    .min(0)
    .max(0.9)
    .default(0.25)
    .describe(
      "share of the patch PPO's rollouts from the probed problems' families, split by their rates (0: the plain RL mix; 0.25 took the blind spot under 5 % in 2 PPO seeds of 3, the plain mix in 1 — README)",
    ),
  bestOfN: z
    .array(z.number().int().positive())
    .default([1, 2, 4, 8, 16])
    .describe('N values of the best-of-N curve'),
  ptxCoef: z
    .number()
    .min(0)
    .default(3)
    .describe("PPO-ptx weight of the pretraining documents' log-likelihood (keeps what the base knew)"),
  evalTemperature: z.number().positive().default(1).describe('sampling temperature of the evaluations'),
  probeSamples: z
    .number()
    .int()
    .positive()
    .default(4)
    .describe(
      'answers judged per probed prompt (answered once, the ~50 prompts of a family can hide a 7 % problem)',
    ),
  probeThreshold: z
    .number()
    .min(0)
    .max(1)
    .default(0.03)
    .describe(
      'rate above which the probe calls a label a problem: below the 5 % target, because held-out entities run higher than the RL prompts it probes',
    ),
  evalSamples: z
    .number()
    .int()
    .positive()
    .default(4)
    .describe('answers judged per held-out prompt (one answer per prompt leaves ±4 points of noise on 100)'),
  maxNew: z.number().int().positive().default(40).describe('most answer tokens when sampling'),
  samplesPerFamily: z.number().int().min(0).default(2).describe('sample answers per family in the report'),
  world: PartialRecord.default({}).describe(
    "world config overrides, e.g. --world.evalPerFamily 50 (every field, with its value, is under 'config' in a world's manifest.json)",
  ),
  pretrain: PartialRecord.default({}).describe('pretraining overrides (rein pretrain --help)'),
  sft: PartialRecord.default({}).describe('SFT overrides (rein sft --help)'),
  rm: PartialRecord.default({}).describe('reward model overrides (rein rm train --help)'),
  ppo: PartialRecord.default({}).describe('PPO overrides (rein ppo --help)'),
  dpo: PartialRecord.default({}).describe('DPO overrides (rein dpo --help)'),
});

/** The toy size: every stage shrunk so the whole demo runs in well under two minutes. */
const TOY_PRESET = {
  world: {
    demosPerFamily: 12,
    rankPerFamily: 16,
    rlPerFamily: 16,
    evalPerFamily: 6,
    pretrainDialogues: 1500,
    docRepeats: { fact: 1, arith: 1 },
  },
  pretrain: {
    vocabSize: 400,
    dim: 32,
    layers: 2,
    heads: 2,
    steps: 40,
    batchSize: 16,
    evalEvery: 1000,
    saveEvery: 0,
  },
  sft: { steps: 10, batchSize: 8, evalEvery: 1000, saveEvery: 0 },
  rm: { epochs: 1, batchPrompts: 8, evalEvery: 1000 },
  ppo: {
    iterations: 2,
    rolloutBatch: 16,
    minibatch: 8,
    ppoEpochs: 1,
    maxNew: 12,
    saveEvery: 0,
    evalEvery: 0,
  },
  dpo: { epochs: 0.1, batchPairs: 8 },
  patchPrompts: 16,
  maxNew: 12,
  bestOfN: [1, 2],
  samplesPerFamily: 1,
  evalSamples: 2,
  probeSamples: 2,
} as const;

const STAGES = ['world', 'pretrain', 'sft', 'rm', 'ppo', 'dpo'] as const;

const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * `size: 'toy'` puts the toy preset under the values given, before the schema's defaults: what
 * the user sets wins over the preset (`--size toy --maxNew 20` samples 20 tokens), top-level
 * knobs and each stage's overrides alike. A stage given as something other than an object is left
 * for the schema to reject.
 */
function withToyPreset(raw: unknown): unknown {
  if (!isRecord(raw) || raw.size !== 'toy') return raw;
  const merged: Record<string, unknown> = { ...TOY_PRESET, ...raw };
  for (const stage of STAGES) {
    const given = raw[stage] ?? {};
    if (isRecord(given)) merged[stage] = { ...TOY_PRESET[stage], ...given };
  }
  return merged;
}

export const DemoConfig = z.preprocess(withToyPreset, DemoFields);
export type DemoConfig = z.infer<typeof DemoConfig>;
