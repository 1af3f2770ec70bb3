/**
 * What `rein grpo` and `rein rloo` share: the critic-free trainer (train/grpo/train.ts) run on an RL
 * command's inputs, the policy and the frozen reference starting from the SFT checkpoint, the output
 * folder becoming the policy's checkpoint with log.jsonl and train-config.json. The two commands
 * differ in their schema's defaults and their help.
 */
import { RunLog } from '../train/common/run-log.js';
import type { GrpoConfig } from '../train/grpo/config.js';
import { type CriticFreeMethod, trainCriticFree } from '../train/grpo/train.js';
import type { RlooConfig } from '../train/rloo/config.js';
import { loadRewards, rewardsMoved } from './reward-module.js';
import { finishRlRun, rlReference, startRun, trainingCommand } from './training-command.js';

export function criticFreeCommand(
  method: CriticFreeMethod,
  schema: typeof GrpoConfig | typeof RlooConfig,
  help: string,
): (argv: string[]) => Promise<void> {
  const spec = { name: method, schema, help, required: ['prompts', 'policy'] };
  return trainingCommand(spec, async (cfg) => {
    const { rewardModel, rewardFunction, inputs } = await loadRewards(cfg);
    const { prompts, policy, tok, ptx } = inputs;
    const dir = startRun(method, cfg, 'iteration');
    const reference = rlReference(policy, cfg);
    const models = { policy, reference, rewardModel, rewardFunction };
    const hooks = { log: new RunLog(dir.logFile) };
    const history = trainCriticFree(method, models, tok, prompts, cfg, hooks, ptx);
    const first = history[0];
    const last = history[history.length - 1];
    finishRlRun(method, cfg, policy, tok, history);
    // with the KL in the reward, the reward trained on says what the run traded; else the groups' spread
    const tail =
      first.kl_penalised_reward !== undefined && last.kl_penalised_reward !== undefined
        ? `KL-penalised reward ${first.kl_penalised_reward.toFixed(3)} → ${last.kl_penalised_reward.toFixed(3)}`
        : `groups without spread ${(100 * last.zero_spread_fraction).toFixed(0)} %`;
    console.log(
      `${method}: ${cfg.iterations} iterations × ${cfg.promptsPerIteration} prompts × ${cfg.groupSize} answers; ${rewardsMoved(first, last)}, KL ${last.kl.toFixed(3)}, ${tail} → ${cfg.out}`,
    );
  });
}
