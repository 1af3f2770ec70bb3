/**
 * `--reward FILE`: a reward function written by the user as a JavaScript module. Its default export
 * (or an export named `reward`) is called as TRL calls its reward functions — the prompts, the
 * responses, and each prompt's whole line from the prompts file (a reference answer, a test):
 *
 *   export default function reward(prompts, responses, records) {
 *     return responses.map((r, i) => (r.includes(records[i].answer) ? 1 : 0));
 *   }
 *
 * and returns one finite number per response, at once (not a Promise: the training loop does not wait).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { functionRewards, type RewardFunction } from '../train/common/reward-function.js';
import { RunInputError } from '../train/common/run-input.js';
import { ConfigError } from '../util/config.js';
import { loadRlInputs, type RlInputOptions } from './training-command.js';

/** What a reward module exports. */
type UserRewardFunction = (
  prompts: string[],
  responses: string[],
  records: Record<string, unknown>[],
) => unknown;

/**
 * Imports `file` and wraps its function as the trainer's RewardFunction over `prompts` and their
 * lines; a missing file, a module that does not load or exports no function, is an input error, and
 * so is whatever the function throws or returns wrong during the run (named with the file).
 */
export async function loadRewardModule(
  file: string,
  prompts: readonly string[],
  records: readonly Record<string, unknown>[],
): Promise<RewardFunction> {
  const path = resolve(file);
  if (!existsSync(path)) throw new RunInputError(`--reward ${file}: no such file`);
  let mod: Record<string, unknown>;
  try {
    mod = await import(pathToFileURL(path).href);
  } catch (e) {
    throw new RunInputError(`--reward ${file}: the module does not load: ${(e as Error).message}`);
  }
  const fn = typeof mod.default === 'function' ? mod.default : mod.reward;
  if (typeof fn !== 'function')
    throw new RunInputError(
      `--reward ${file}: the module exports no function (export default function reward(prompts, responses, records) { … })`,
    );
  const user = fn as UserRewardFunction;
  const call: RewardFunction = (rows, responses) => {
    try {
      return user(
        rows.map((r) => prompts[r]),
        [...responses],
        rows.map((r) => records[r]),
      ) as ArrayLike<number>;
    } catch (e) {
      throw new Error(`the reward function threw: ${(e as Error).message}`);
    }
  };
  // checked here too, so that a wrong return is an input error that names the file
  return (rows, responses) => {
    try {
      return functionRewards(call, rows, responses);
    } catch (e) {
      throw new RunInputError(`--reward ${file}: ${(e as Error).message}`);
    }
  };
}

/**
 * The inputs of a command that samples and rewards, and its reward: `--rm`, `--reward` or both, at
 * least one; everything read and checked before the command's output is touched.
 */
export async function loadRewards(cfg: RlInputOptions & { reward: string }) {
  if (!cfg.rm && !cfg.reward)
    throw new ConfigError('--rm or --reward is required: a reward model, a reward function, or both');
  const inputs = loadRlInputs(cfg);
  const rewardFunction = cfg.reward
    ? await loadRewardModule(cfg.reward, inputs.prompts, inputs.promptRecords)
    : undefined;
  return { inputs, rewardModel: inputs.rewardModel, rewardFunction };
}

/**
 * How a run's rewards moved from its first iteration to its last: "RM score a → b, reward function
 * c → d".
 */
export function rewardsMoved(
  first: { rm_score?: number; function_reward?: number },
  last: { rm_score?: number; function_reward?: number },
): string {
  const moved = (name: string, a?: number, b?: number) =>
    a !== undefined && b !== undefined ? [`${name} ${a.toFixed(3)} → ${b.toFixed(3)}`] : [];
  return [
    ...moved('RM score', first.rm_score, last.rm_score),
    ...moved('reward function', first.function_reward, last.function_reward),
  ].join(', ');
}
