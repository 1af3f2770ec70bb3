/**
 * `rein ppo`: PPO against a reward model, the policy and the frozen reference starting from the SFT
 * checkpoint and the value model from the RM. The output folder becomes the policy's checkpoint,
 * with log.jsonl (one line per iteration) and train-config.json; --resume continues a killed run.
 */

import { runHelp } from '../train/common/run-args.js';
import { RunLog } from '../train/common/run-log.js';
import { PpoConfig } from '../train/ppo/config.js';
import { trainPpo } from '../train/ppo/train.js';
import { finishRlRun, loadRlInputs, rlReference, startRun, trainingCommand } from './training-command.js';

const HELP = runHelp(
  'rein ppo --prompts FILE --policy SFT_CKPT --rm RM_CKPT --out DIR [options]',
  'PPO against the reward model RM_CKPT, held near SFT_CKPT by a KL penalty. Per iteration: rollout,\n' +
    'score, log-probs and values, KL-penalised rewards, GAE, clipped updates (the third step of RLHF).\n' +
    'FILE: prompts {"text"} or {"prompt"} (a string or TRL\'s messages) per line. --ptxData texts\n' +
    '{"text"} with --ptxCoef > 0 adds PPO-ptx.\n' +
    'State is saved every --saveEvery iterations; --resume continues a killed run from its last save.',
  PpoConfig,
);

const SPEC = { name: 'ppo', schema: PpoConfig, help: HELP, required: ['prompts', 'policy', 'rm'] };

export const run = trainingCommand(SPEC, (cfg) => {
  const { prompts, policy, tok, rewardModel, ptx } = loadRlInputs(cfg);
  const dir = startRun('ppo', cfg, 'iteration');
  const reference = rlReference(policy, cfg);
  const models = { policy, reference, rewardModel, value: rewardModel.clone() };
  const history = trainPpo(models, tok, prompts, cfg, { log: new RunLog(dir.logFile) }, ptx);
  const first = history[0];
  const last = history[history.length - 1];
  finishRlRun('ppo', cfg, policy, tok, history);
  console.log(
    `ppo: ${cfg.iterations} iterations; RM score ${first.rm_score.toFixed(3)} → ${last.rm_score.toFixed(3)}, KL ${last.kl.toFixed(3)} (β ${last.beta.toFixed(4)}) → ${cfg.out}`,
  );
});
