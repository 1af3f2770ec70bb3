/**
 * What the on-policy trainers (PPO, GRPO and RLOO, online DPO) share around their algorithms: the
 * run settings past the algorithm's own (PPO-ptx, evaluation, saving, seed), where a run starts
 * (fresh, or resumed after its last save) and the close of an iteration (timing, the evaluation
 * hook, the log line, the progress bar, the resumable save).
 */
import { z } from 'zod';
import type { Transformer } from '../../model/transformer.js';
import type { Progress } from '../../util/progress.js';
import { Rng } from '../../util/rng.js';
import { checkRewardSources, type RewardSources } from './reward-function.js';
import type { RlHooks } from './rollout.js';
import type { RunLog } from './run-log.js';
import { loadTrainState, saveTrainState, type TrainedPart } from './train-state.js';

/** Schema fields of an on-policy RL run, spread into each method's config after its own. */
export const rlRunFields = {
  ptxCoef: z
    .number()
    .min(0)
    .default(0)
    .describe('PPO-ptx: weight of the pretraining log-likelihood term (0: off)'),
  ptxData: z.string().default('').describe('PPO-ptx: plain-text JSONL {"text"} keeping general ability'),
  ptxBatch: z.number().int().positive().default(8).describe('PPO-ptx: texts per gradient step'),
  evalEvery: z
    .number()
    .int()
    .min(0)
    .default(5)
    .describe(
      'iterations between the evaluation hook (held-out checks; 0: never); gold scores every iteration',
    ),
  saveEvery: z
    .number()
    .int()
    .min(0)
    .default(10)
    .describe('iterations between resumable saves (0: only at the end)'),
  resume: z.boolean().default(false).describe('continue from the state saved in --out'),
  seed: z.number().int().default(0).describe('sampling and shuffling seed'),
};

/**
 * What every on-policy trainer checks of its inputs before it starts: a reward (a reward model with a
 * scalar head, a reward function, or both), prompts, and a frozen reference unless LoRA's adapters
 * can be switched off to give one.
 */
export function checkRlInputs(
  who: string,
  models: RewardSources & { reference: Transformer | null },
  prompts: readonly string[],
  loraRank: number,
): void {
  checkRewardSources(who, models);
  if (prompts.length === 0) throw new Error(`${who}: no RL prompts`);
  if (models.reference === null && loraRank === 0)
    throw new Error(`${who}: no reference model (only a LoRA run may leave it out)`);
}

/**
 * A run's state besides its weights: the iteration it starts at, the log entries so far, and the
 * generator of minibatch orders and PPO-ptx draws (saved with the run, so that a resumed run draws
 * what the uninterrupted one would have).
 */
export interface RlRunState<E> {
  start: number;
  history: E[];
  shuffler: Rng;
}

/**
 * Where a run starts: iteration 0 with a fresh generator, or with `cfg.resume` and a state saved in
 * `cfg.out`, after its last save — the weights and optimiser states of `parts` restored, the
 * history and the generator's state read back. `extra` is what the trainer saved of its own (PPO's
 * β), null on a fresh start.
 */
export function startRlRun<E, X extends object = object>(
  cfg: { out: string; resume: boolean; seed: number },
  parts: readonly TrainedPart[],
): RlRunState<E> & { extra: X | null } {
  const shuffler = new Rng(cfg.seed + 17);
  const saved = cfg.resume
    ? loadTrainState<X & { history: E[]; shuffler?: (number | null)[] }>(cfg.out, parts)
    : null;
  if (saved === null) return { start: 0, history: [], shuffler, extra: null };
  // a run saved before the generator's state was kept goes on with a fresh one
  if (saved.extra.shuffler) shuffler.setState(saved.extra.shuffler.map((v) => v ?? Number.NaN)); // JSON wrote NaN as null
  return { start: saved.step, history: [...saved.extra.history], shuffler, extra: saved.extra };
}

/** Saves, after `done` iterations, what startRlRun reads back, with the trainer's own `extra`. */
export function saveRlRun<E>(
  out: string,
  done: number,
  parts: readonly TrainedPart[],
  run: RlRunState<E>,
  extra: object = {},
): void {
  saveTrainState(out, done, parts, { ...extra, history: run.history, shuffler: run.shuffler.getState() });
}

/** The log entry fields the close of an iteration reads or sets. */
export interface RlIterationEntry {
  iteration: number;
  /** The reward model's mean score; absent where a reward function alone rewards. */
  rm_score?: number;
  /** The reward function's mean reward, where a function rewards. */
  function_reward?: number;
  kl: number;
  gold?: number;
  seconds: number;
}

export interface RlIterationContext<E extends RlIterationEntry> {
  /** 0-based index of the iteration that ends. */
  iter: number;
  /** Date.now() when it began. */
  t0: number;
  cfg: { iterations: number; evalEvery: number; saveEvery: number };
  hooks: RlHooks<E>;
  policy: Transformer;
  log: RunLog;
  progress: Progress;
  history: E[];
  /** Writes the resumable state after this iteration (history already holds its entry). */
  save: () => void;
}

/**
 * Ends an iteration whose metrics are final: times it, runs the evaluation hook when due, appends
 * the entry (with the evaluation's metrics) to the history and the log, reports progress, and saves
 * when due — not after the last iteration, whose weights the caller writes as the run's result.
 */
export function finishRlIteration<E extends RlIterationEntry>(entry: E, c: RlIterationContext<E>): void {
  const done = c.iter + 1;
  entry.seconds = (Date.now() - c.t0) / 1000;
  const evalDue = c.cfg.evalEvery > 0 && (done % c.cfg.evalEvery === 0 || done === c.cfg.iterations);
  const evalMetrics = c.hooks.onEval && evalDue ? c.hooks.onEval(done, c.policy) : {};
  c.history.push(entry);
  c.log.write({ ...entry, ...evalMetrics });
  c.hooks.onIteration?.(entry);
  const said = (name: string, v: number | undefined) => (v !== undefined ? `${name} ${v.toFixed(2)} ` : '');
  const rewards = said('rm', entry.rm_score) + said('fn', entry.function_reward);
  const gold = entry.gold !== undefined ? ` gold ${entry.gold.toFixed(2)}` : '';
  c.progress.update(done, `${rewards}kl ${entry.kl.toFixed(2)}${gold}`);
  if (c.cfg.saveEvery > 0 && done % c.cfg.saveEvery === 0 && done < c.cfg.iterations) c.save();
}
