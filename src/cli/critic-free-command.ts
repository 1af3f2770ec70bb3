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
import { ConfigError } from '../util/config.js';
import { loadRewardModule } from './reward-module.js';
import { finishRlRun, loadRlInputs, rlReference, startRun, trainingCommand } from './training-command.js';

export function criticFreeCommand(
  method: CriticFreeMethod,
  schema: typeof GrpoConfig | typeof RlooConfig,
  help: string,
): (argv: string[]) => Promise<void> {
  const spec = { name: method, schema, help, required: ['prompts', 'policy'] };
  return trainingCommand(spec, async (cfg) => {
    if (!cfg.rm && !cfg.reward)
      throw new ConfigError('--rm or --reward is required: a reward model, a reward function, or both');
    const { prompts, promptRecords, policy, tok, rewardModel, ptx } = loadRlInputs(cfg, 'optional');
    const rewardFunction = cfg.reward
      ? await loadRewardModule(cfg.reward, prompts, promptRecords)
      : undefined;
    const dir = startRun(method, cfg, 'iteration');
    const reference = rlReference(policy, cfg);
    const models = { policy, reference, rewardModel, rewardFunction };
    const hooks = { log: new RunLog(dir.logFile) };
    const history = trainCriticFree(method, models, tok, prompts, cfg, hooks, ptx);
    const first = history[0];
    const last = history[history.length - 1];
    finishRlRun(method, cfg, policy, tok, history);
    const moved = (name: string, a?: number, b?: number) =>
      a !== undefined && b !== undefined ? [`${name} ${a.toFixed(3)} → ${b.toFixed(3)}`] : [];
    // with the KL in the reward, the reward trained on says what the run traded; else the groups' spread
    const said = [
      ...moved('RM score', first.rm_score, last.rm_score),
      ...moved('reward function', first.function_reward, last.function_reward),
      `KL ${last.kl.toFixed(3)}`,
      ...moved('KL-penalised reward', first.kl_penalised_reward, last.kl_penalised_reward),
    ];
    if (last.kl_penalised_reward === undefined)
      said.push(`groups without spread ${(100 * last.zero_spread_fraction).toFixed(0)} %`);
    console.log(
      `${method}: ${cfg.iterations} iterations × ${cfg.promptsPerIteration} prompts × ${cfg.groupSize} answers; ${said.join(', ')} → ${cfg.out}`,
    );
  });
}
