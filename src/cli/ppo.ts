/**
 * `rein ppo`: PPO against a reward model, the policy and the frozen reference starting from the SFT
 * checkpoint and the value model from the RM. The output folder becomes the policy's checkpoint,
 * with log.jsonl (one line per iteration) and train-config.json; --resume continues a killed run.
 */

import { encodeChat } from '../tokenizer/chat-template.js';
import { loadPrompts, loadTexts, textSequence } from '../train/common/prompt-data.js';
import { runHelp } from '../train/common/run-args.js';
import { finishRunDir } from '../train/common/run-dir.js';
import {
  assertSameTokenizer,
  loadCheckpointFor,
  RunInputError,
  readInputFile,
} from '../train/common/run-input.js';
import { RunLog } from '../train/common/run-log.js';
import { PpoConfig } from '../train/ppo/config.js';
import { trainPpo } from '../train/ppo/train.js';
import { ConfigError } from '../util/config.js';
import { loadRewardModel, startRun, trainingCommand } from './training-command.js';

const HELP = runHelp(
  'rein ppo --prompts FILE --policy SFT_CKPT --rm RM_CKPT --out DIR [options]',
  'PPO against the reward model RM_CKPT, held near SFT_CKPT by a KL penalty. Per iteration: rollout,\n' +
    'score, log-probs and values, KL-penalised rewards, GAE, clipped updates (RLHF.md step 3).\n' +
    'FILE: prompts {"text"} per line. --ptxData texts {"text"} with --ptxCoef > 0 adds PPO-ptx.\n' +
    'State is saved every --saveEvery iterations; --resume continues a killed run from its last save.',
  PpoConfig,
);

const SPEC = { name: 'ppo', schema: PpoConfig, help: HELP, required: ['prompts', 'policy', 'rm'] };

export const run = trainingCommand(SPEC, (cfg) => {
  if (cfg.ptxData && cfg.ptxCoef === 0)
    throw new ConfigError(
      '--ptxData needs --ptxCoef > 0 (the weight of its log-likelihood; InstructGPT: 27.8)',
    );
  if (!cfg.ptxData && cfg.ptxCoef > 0)
    throw new ConfigError('--ptxCoef needs --ptxData (plain texts {"text"})');
  const prompts = readInputFile('prompts', cfg.prompts, loadPrompts);
  if (prompts.length === 0) throw new RunInputError(`--prompts ${cfg.prompts}: no prompts in the file`);
  const ptxTexts = cfg.ptxData ? readInputFile('ptxData', cfg.ptxData, loadTexts) : [];
  const { model: policy, tok } = loadCheckpointFor('policy', cfg.policy);
  const rmCk = loadRewardModel('rm', cfg.rm);
  assertSameTokenizer(tok, `--policy ${cfg.policy}`, rmCk.tok, `--rm ${cfg.rm}`);
  const context = Math.min(policy.config.contextLength, rmCk.model.config.contextLength);
  prompts.forEach((p, i) => {
    const len = encodeChat(tok, p).ids.length;
    if (len >= context)
      throw new RunInputError(
        `--prompts ${cfg.prompts}: prompt ${i + 1} is ${len} tokens, leaving no room for a response in the context of ${context}`,
      );
  });
  const dir = startRun('ppo', cfg, 'iteration');
  const ptx = ptxTexts.map((t) => textSequence(tok, t, policy.config.contextLength));
  const models = { policy, reference: policy.clone(), rewardModel: rmCk.model, value: rmCk.model.clone() };
  const history = trainPpo(models, tok, prompts, cfg, { log: new RunLog(dir.logFile) }, ptx);
  const first = history[0];
  const last = history[history.length - 1];
  finishRunDir(cfg.out, policy, tok, {
    method: 'ppo',
    from: cfg.policy,
    rm: cfg.rm,
    config: cfg,
    final: last,
  });
  console.log(
    `ppo: ${cfg.iterations} iterations; RM score ${first.rm_score.toFixed(3)} → ${last.rm_score.toFixed(3)}, KL ${last.kl.toFixed(3)} (β ${last.beta.toFixed(4)}) → ${cfg.out}`,
  );
});
