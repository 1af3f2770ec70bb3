/**
 * `rein grpo`: GRPO against a reward model — G answers per prompt, each judged against its group's
 * mean reward, no value model — with the policy and the frozen reference starting from the SFT
 * checkpoint. The output folder becomes the policy's checkpoint, with log.jsonl (one line per
 * iteration) and train-config.json; --resume continues a killed run.
 */

import { runHelp } from '../train/common/run-args.js';
import { GrpoConfig } from '../train/grpo/config.js';
import { criticFreeCommand } from './critic-free-command.js';

const HELP = runHelp(
  'rein grpo --prompts FILE --policy SFT_CKPT (--rm RM_CKPT | --reward FN.mjs) --out DIR [options]',
  'GRPO (DeepSeekMath) against the reward model RM_CKPT and/or the reward function FN.mjs, held near\n' +
    'SFT_CKPT by a k3 KL term in the loss. Per iteration: --groupSize answers to each of\n' +
    "--promptsPerIteration prompts, scored; each answer's advantage is its reward minus its group's\n" +
    "mean, over the group's std unless --scaleRewards false (Dr. GRPO); then clipped updates. No\n" +
    'value model.\n' +
    'FILE: prompts {"text"} or {"prompt"} (a string or TRL\'s messages) per line. --ptxData texts\n' +
    '{"text"} with --ptxCoef > 0 adds PPO-ptx.\n' +
    'FN.mjs: export default function reward(prompts, responses, records) returning one number per\n' +
    "response (records: each prompt's whole line, e.g. its reference answer); with --rm, added to the\n" +
    "RM's score (TRL's reward functions: a check instead of, or beside, a learned judge).\n" +
    'State is saved every --saveEvery iterations; --resume continues a killed run from its last save.',
  GrpoConfig,
);

export const run = criticFreeCommand('grpo', GrpoConfig, HELP);
