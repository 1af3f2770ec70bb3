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
  'rein grpo --prompts FILE --policy SFT_CKPT --rm RM_CKPT --out DIR [options]',
  'GRPO (DeepSeekMath) against the reward model RM_CKPT, held near SFT_CKPT by a k3 KL term in the\n' +
    'loss. Per iteration: --groupSize answers to each of --promptsPerIteration prompts, scored; each\n' +
    "answer's advantage is its reward minus its group's mean, over the group's std unless\n" +
    '--scaleRewards false (Dr. GRPO); then clipped updates. No value model.\n' +
    'FILE: prompts {"text"} or {"prompt"} (a string or TRL\'s messages) per line. --ptxData texts\n' +
    '{"text"} with --ptxCoef > 0 adds PPO-ptx.\n' +
    'State is saved every --saveEvery iterations; --resume continues a killed run from its last save.',
  GrpoConfig,
);

export const run = criticFreeCommand('grpo', GrpoConfig, HELP);
