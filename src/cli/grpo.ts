/**
 * `rein grpo`: GRPO against a reward model — G answers per prompt, each judged against its group's
 * mean reward, no value model — with the policy and the frozen reference starting from the SFT
 * checkpoint. The output folder becomes the policy's checkpoint, with log.jsonl (one line per
 * iteration) and train-config.json; --resume continues a killed run.
 */

import { runHelp } from '../train/common/run-args.js';
import { finishRunDir } from '../train/common/run-dir.js';
import { RunLog } from '../train/common/run-log.js';
import { GrpoConfig } from '../train/grpo/config.js';
import { trainGrpo } from '../train/grpo/train.js';
import { loadRlInputs, startRun, trainingCommand } from './training-command.js';

const HELP = runHelp(
  'rein grpo --prompts FILE --policy SFT_CKPT --rm RM_CKPT --out DIR [options]',
  'GRPO (DeepSeekMath) against the reward model RM_CKPT, held near SFT_CKPT by a k3 KL term in the\n' +
    'loss. Per iteration: --groupSize answers to each of --promptsPerIteration prompts, scored; each\n' +
    "answer's advantage is its reward minus its group's mean, over the group's std unless\n" +
    '--scaleRewards false (Dr. GRPO); then clipped updates. No value model.\n' +
    'FILE: prompts {"text"} per line. --ptxData texts {"text"} with --ptxCoef > 0 adds PPO-ptx.\n' +
    'State is saved every --saveEvery iterations; --resume continues a killed run from its last save.',
  GrpoConfig,
);

const SPEC = { name: 'grpo', schema: GrpoConfig, help: HELP, required: ['prompts', 'policy', 'rm'] };

export const run = trainingCommand(SPEC, (cfg) => {
  const { prompts, policy, tok, rewardModel, ptx } = loadRlInputs(cfg);
  const dir = startRun('grpo', cfg, 'iteration');
  const models = { policy, reference: policy.clone(), rewardModel };
  const history = trainGrpo(models, tok, prompts, cfg, { log: new RunLog(dir.logFile) }, ptx);
  const first = history[0];
  const last = history[history.length - 1];
  finishRunDir(cfg.out, policy, tok, {
    method: 'grpo',
    from: cfg.policy,
    rm: cfg.rm,
    config: cfg,
    final: last,
  });
  console.log(
    `grpo: ${cfg.iterations} iterations × ${cfg.promptsPerIteration} prompts × ${cfg.groupSize} answers; RM score ${first.rm_score.toFixed(3)} → ${last.rm_score.toFixed(3)}, KL ${last.kl.toFixed(3)}, groups without spread ${(100 * last.zero_spread_fraction).toFixed(0)} % → ${cfg.out}`,
  );
});
