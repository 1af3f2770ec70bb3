/**
 * `rein rloo`: RLOO against a reward model — G answers per prompt, each judged against the mean
 * reward of the other G − 1, the KL to the SFT model charged in the reward, no value model. The same
 * trainer as `rein grpo` with RLOO's defaults (train/rloo/config.ts); the output folder becomes the
 * policy's checkpoint, with log.jsonl and train-config.json; --resume continues a killed run.
 */

import { runHelp } from '../train/common/run-args.js';
import { RlooConfig } from '../train/rloo/config.js';
import { criticFreeCommand } from './critic-free-command.js';

const HELP = runHelp(
  'rein rloo --prompts FILE --policy SFT_CKPT (--rm RM_CKPT | --reward FN.mjs) --out DIR [options]',
  'RLOO (REINFORCE leave-one-out; Ahmadian et al. 2024) against the reward model RM_CKPT and/or the\n' +
    "reward function FN.mjs, held near SFT_CKPT by β·KL subtracted from each answer's reward. Per\n" +
    "iteration: --groupSize answers to each of --promptsPerIteration prompts, scored; each answer's\n" +
    'advantage is its KL-penalised reward minus the mean of the other answers to its prompt; then\n' +
    'clipped updates. No value model.\n' +
    "rein grpo's trainer and options: --baseline, --klPenalty and --scaleRewards move between the two.\n" +
    'FILE: prompts {"text"} or {"prompt"} (a string or TRL\'s messages) per line. --ptxData texts\n' +
    '{"text"} with --ptxCoef > 0 adds PPO-ptx.\n' +
    'FN.mjs: export default function reward(prompts, responses, records) returning one number per\n' +
    "response (records: each prompt's whole line, e.g. its reference answer); with --rm, added to the\n" +
    "RM's score (TRL's reward functions: a check instead of, or beside, a learned judge).\n" +
    'State is saved every --saveEvery iterations; --resume continues a killed run from its last save.',
  RlooConfig,
);

export const run = criticFreeCommand('rloo', RlooConfig, HELP);
