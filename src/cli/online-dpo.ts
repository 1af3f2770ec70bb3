/**
 * `rein online-dpo`: DPO on pairs the policy samples as it trains, ordered by the reward model
 * and/or a reward function, the policy and the frozen reference starting from the SFT checkpoint.
 * The output folder becomes the policy's checkpoint, with log.jsonl (one line per iteration) and
 * train-config.json; --resume continues a killed run.
 */

import { runHelp } from '../train/common/run-args.js';
import { RunLog } from '../train/common/run-log.js';
import { OnlineDpoConfig } from '../train/online-dpo/config.js';
import { trainOnlineDpo } from '../train/online-dpo/train.js';
import { loadRewards, rewardsMoved } from './reward-module.js';
import { finishRlRun, rlReference, startRun, trainingCommand } from './training-command.js';

const HELP = runHelp(
  'rein online-dpo --prompts FILE --policy SFT_CKPT (--rm RM_CKPT | --reward FN.mjs) --out DIR [options]',
  'Online DPO (Guo et al. 2024): per iteration, --groupSize answers to each of --promptsPerIteration\n' +
    "prompts from the current policy, scored by RM_CKPT and/or FN.mjs (added); each prompt's best\n" +
    "answer against its worst is a pair, and DPO's loss (--lossType ipo: IPO's) trains on them against\n" +
    'SFT_CKPT, frozen. No value model.\n' +
    'FILE: prompts {"text"} or {"prompt"} (a string or TRL\'s messages) per line. --ptxData texts\n' +
    '{"text"} with --ptxCoef > 0 adds PPO-ptx.\n' +
    'FN.mjs: export default function reward(prompts, responses, records) returning one number per\n' +
    "answer (records: each prompt's whole line).\n" +
    'State is saved every --saveEvery iterations; --resume continues a killed run.',
  OnlineDpoConfig,
);

const SPEC = {
  name: 'online-dpo',
  schema: OnlineDpoConfig,
  help: HELP,
  required: ['prompts', 'policy'],
};

export const run = trainingCommand(SPEC, async (cfg) => {
  const { rewardModel, rewardFunction, inputs } = await loadRewards(cfg);
  const { prompts, policy, tok, ptx } = inputs;
  const dir = startRun('online-dpo', cfg, 'iteration');
  const reference = rlReference(policy, cfg);
  const models = { policy, reference, rewardModel, rewardFunction };
  const history = trainOnlineDpo(models, tok, prompts, cfg, { log: new RunLog(dir.logFile) }, ptx);
  const first = history[0];
  const last = history[history.length - 1];
  finishRlRun('online-dpo', cfg, policy, tok, history);
  const pairs = history.reduce((n, h) => n + h.pairs, 0);
  const margin = last.margin === undefined ? 'no pairs' : `margin ${last.margin.toFixed(3)}`;
  console.log(
    `online-dpo: ${cfg.iterations} iterations × ${cfg.promptsPerIteration} prompts × ${cfg.groupSize} answers, ${pairs} pairs; ${rewardsMoved(first, last)}, KL ${last.kl.toFixed(3)}, ${margin} → ${cfg.out}`,
  );
});
