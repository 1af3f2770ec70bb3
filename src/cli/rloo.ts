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
  'rein rloo --prompts FILE --policy SFT_CKPT --rm RM_CKPT --out DIR [options]',
  'RLOO (REINFORCE leave-one-out; Ahmadian et al. 2024) against the reward model RM_CKPT, held near\n' +
    "SFT_CKPT by β·KL subtracted from each answer's reward. Per iteration: --groupSize answers to each\n" +
    "of --promptsPerIteration prompts, scored; each answer's advantage is its KL-penalised reward\n" +
    'minus the mean of the other answers to its prompt; then clipped updates. No value model.\n' +
    "rein grpo's trainer and options: --baseline, --klPenalty and --scaleRewards move between the two.\n" +
    'FILE: prompts {"text"} or {"prompt"} (a string or TRL\'s messages) per line. --ptxData texts\n' +
    '{"text"} with --ptxCoef > 0 adds PPO-ptx.\n' +
    'State is saved every --saveEvery iterations; --resume continues a killed run from its last save.',
  RlooConfig,
);

export const run = criticFreeCommand('rloo', RlooConfig, HELP);
