/**
 * What an on-policy trainer rewards a response by: a reward model's score, a reward function of the
 * response's text, or the sum of the two. A function is how a check that needs no learned judge
 * enters RL — the right number at the end of a sum, a format kept, a test passed (TRL's reward
 * functions; the "verifiable rewards" of Tülu 3 and DeepSeek-R1).
 */
import type { Generation } from '../../model/generate.js';
import type { Transformer } from '../../model/transformer.js';
import * as T from '../../tensor/index.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import { mean } from '../../util/stats.js';
import { packAll } from './packed-rollouts.js';
import { type RolloutBatch, rolloutTexts } from './rollout.js';

/**
 * One number per response, from the responses' texts (as a judge reads them: no stop token) and the
 * index, in the trainer's prompt list, of the prompt each one answers — through which a function
 * can reach whatever else it knows of that prompt (a reference answer, a test).
 */
export type RewardFunction = (rows: readonly number[], responses: readonly string[]) => ArrayLike<number>;

/** A trainer's reward: a reward model (scalar head), a reward function, or both (their sum). */
export interface RewardSources {
  rewardModel: Transformer | null;
  rewardFunction?: RewardFunction;
}

/** What a trainer checks of its reward before it starts. */
export function checkRewardSources(who: string, sources: RewardSources): void {
  if (sources.rewardModel === null && sources.rewardFunction === undefined)
    throw new Error(`${who}: no reward: give a reward model, a reward function, or both`);
  if (sources.rewardModel !== null && !sources.rewardModel.hasScalarHead)
    throw new Error(`${who}: the reward model needs a scalar head`);
}

/**
 * The function's rewards, checked: a finite number for every response, returned at once — the
 * training loop does not wait, so a Promise (an async function) is refused with the reason.
 */
export function functionRewards(
  fn: RewardFunction,
  rows: readonly number[],
  responses: readonly string[],
): Float32Array {
  const got: unknown = fn(rows, responses);
  if (got instanceof Promise)
    throw new Error('the reward function returned a Promise: it must return its numbers, not await them');
  if (got === null || typeof got !== 'object' || typeof (got as ArrayLike<number>).length !== 'number')
    throw new Error(`the reward function must return an array of numbers, got ${describe(got)}`);
  const values = got as ArrayLike<unknown>;
  if (values.length !== responses.length)
    throw new Error(
      `the reward function returned ${values.length} numbers for ${responses.length} responses`,
    );
  const out = new Float32Array(responses.length);
  for (let i = 0; i < responses.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new Error(
        `the reward function gave response ${i} (${JSON.stringify(responses[i].slice(0, 60))}) ${describe(v)}, not a finite number`,
      );
    out[i] = v;
  }
  return out;
}

function describe(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string'
    ? `the string ${JSON.stringify(v.slice(0, 40))}`
    : `a value of type ${typeof v}`;
}

export interface RolloutRewards {
  /** The reward model's scores (null without one). */
  rm: Float32Array | null;
  /** The reward function's (null without one). */
  fn: Float32Array | null;
  /** What is trained on: their sum, with `noEosPenalty` added to a response without the end token. */
  scores: Float32Array;
}

/** Rewards each rollout (rows: each response's prompt index) by the sources it was given. */
export function rolloutRewards(
  sources: RewardSources,
  tok: Tokenizer,
  rows: readonly number[],
  batch: RolloutBatch,
  gens: readonly Generation[],
  noEosPenalty: number,
): RolloutRewards {
  const fn = sources.rewardFunction
    ? functionRewards(sources.rewardFunction, rows, rolloutTexts(tok, gens))
    : null;
  const rm = sources.rewardModel !== null ? rewardModelScores(sources.rewardModel, batch) : null;
  const scores = new Float32Array(batch.B);
  for (let b = 0; b < batch.B; b++) scores[b] = (rm?.[b] ?? 0) + (fn?.[b] ?? 0);
  addNoEosPenalty(scores, gens, noEosPenalty);
  return { rm, fn, scores };
}

/**
 * The rewards' means as an iteration logs them: `rm_score` with a reward model, `function_reward`
 * with a function.
 */
export function meanRewards(reward: RolloutRewards): { rm_score?: number; function_reward?: number } {
  return {
    ...(reward.rm ? { rm_score: mean(reward.rm) } : {}),
    ...(reward.fn ? { function_reward: mean(reward.fn) } : {}),
  };
}

/** The reward model's score of each rollout, read at its last token. */
function rewardModelScores(rewardModel: Transformer, batch: RolloutBatch): Float32Array {
  return T.noGrad(() => T.scope(() => Float32Array.from(rewardModel.scalarAtLast(packAll(batch)).data)));
}

/** Adds `penalty` to the score of each response that never produced the end token (it ran out). */
function addNoEosPenalty(scores: Float32Array, gens: readonly Generation[], penalty: number): void {
  gens.forEach((g, b) => {
    if (g.finishReason !== 'stop') scores[b] += penalty;
  });
}
