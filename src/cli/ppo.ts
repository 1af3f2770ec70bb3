/**
 * `rein ppo`: PPO against a reward model and/or a reward function, the policy and the frozen
 * reference starting from the SFT checkpoint and the value model from the RM (or the policy). The
 * output folder becomes the policy's checkpoint, with log.jsonl (one line per iteration) and
 * train-config.json; --resume continues a killed run.
 */

import { runHelp } from '../train/common/run-args.js';
import { RunLog } from '../train/common/run-log.js';
import { PpoConfig } from '../train/ppo/config.js';
import { trainPpo } from '../train/ppo/train.js';
import { Rng } from '../util/rng.js';
import { loadRewards, rewardsMoved } from './reward-module.js';
import { finishRlRun, rlReference, startRun, trainingCommand } from './training-command.js';

const HELP = runHelp(
  'rein ppo --prompts FILE --policy SFT_CKPT (--rm RM_CKPT | --reward FN.mjs) --out DIR [options]',
  'PPO against the reward model RM_CKPT and/or the reward function FN.mjs, held near SFT_CKPT by a KL\n' +
    'penalty. Per iteration: rollout, score, log-probs and values, KL-penalised rewards, GAE, clipped\n' +
    'updates (the third step of RLHF). The value model starts as a copy of the RM, or without one as\n' +
    'the policy with a fresh scalar head.\n' +
    'FILE: prompts {"text"} or {"prompt"} (a string or TRL\'s messages) per line. --ptxData texts\n' +
    '{"text"} with --ptxCoef > 0 adds PPO-ptx.\n' +
    'FN.mjs: export default function reward(prompts, responses, records) returning one number per\n' +
    "response (records: each prompt's whole line); with --rm, added to the RM's score.\n" +
    'State is saved every --saveEvery iterations; --resume continues a killed run from its last save.',
  PpoConfig,
);

const SPEC = { name: 'ppo', schema: PpoConfig, help: HELP, required: ['prompts', 'policy'] };

export const run = trainingCommand(SPEC, async (cfg) => {
  const { rewardModel, rewardFunction, inputs } = await loadRewards(cfg);
  const { prompts, policy, tok, ptx } = inputs;
  const dir = startRun('ppo', cfg, 'iteration');
  const reference = rlReference(policy, cfg);
  // the value model reads the state as the RM does; without one, as the policy does, with a fresh head
  const value = rewardModel?.clone() ?? policy.clone({ scalarHead: 'fresh', rng: new Rng(cfg.seed) });
  const models = { policy, reference, rewardModel, rewardFunction, value };
  const history = trainPpo(models, tok, prompts, cfg, { log: new RunLog(dir.logFile) }, ptx);
  const first = history[0];
  const last = history[history.length - 1];
  finishRlRun('ppo', cfg, policy, tok, history);
  console.log(
    `ppo: ${cfg.iterations} iterations; ${rewardsMoved(first, last)}, KL ${last.kl.toFixed(3)} (β ${last.beta.toFixed(4)}) → ${cfg.out}`,
  );
});
