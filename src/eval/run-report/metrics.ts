/**
 * Which metrics a run report shows first, which way each one is better, and each run's final and
 * best value of it.
 */
import type { MetricSeries, RunMethod } from './read-run.js';
import { movingAverage, smoothes } from './smooth.js';

/**
 * What to look at first for each method: for PPO (and GRPO) the RLHF curves (the reward model's
 * score or a reward function's, the gold judge's where the run had one, the KL from the reference and
 * its coefficient β); for reward models accuracy; for the language-model losses and DPO the losses.
 */
const FIRST: Record<RunMethod, readonly string[]> = {
  ppo: ['rm_score', 'function_reward', 'gold', 'kl', 'beta'],
  // GRPO's β is a constant of its config; the spread of rewards within a group is what it learns from
  // (its reward: the RM's score, a reward function's, or both)
  grpo: ['rm_score', 'function_reward', 'gold', 'kl', 'reward_std'],
  // RLOO trains on the KL-penalised reward: the score and the KL it traded show side by side
  rloo: ['rm_score', 'function_reward', 'gold', 'kl', 'kl_penalised_reward'],
  // online DPO: what its pairs were worth to the reward model, and how its loss came to order them
  'online-dpo': ['rm_score', 'function_reward', 'gold', 'kl', 'margin'],
  rm: ['heldout_accuracy', 'train_accuracy', 'loss'],
  'rm-patch': ['heldout_accuracy', 'train_accuracy', 'loss'],
  sft: ['loss', 'heldout_loss'],
  pretrain: ['loss', 'heldout_loss'],
  dpo: ['loss', 'heldout_loss', 'accuracy', 'heldout_accuracy', 'margin', 'heldout_margin'],
  // KTO's margin is between the mean rewards of desirable and undesirable answers; kl its reference point
  kto: ['loss', 'heldout_loss', 'heldout_accuracy', 'margin', 'heldout_margin', 'kl'],
  // distillation: the divergence from the teacher, and how long the answers it learned on ran
  distill: ['loss', 'heldout_loss', 'answer_length'],
  unknown: [],
};

/** Optimiser bookkeeping: shown after what the run learned. */
const LAST = /^(lr|seconds|.*grad_norm)$/;

/**
 * `names` (every metric of the runs, in first-seen order) ordered for `method` (the first run's):
 * the method's key metrics first, then the rest as logged, the learning rate, gradient norms and
 * timings last.
 */
export function orderMetrics(method: RunMethod, names: readonly string[]): string[] {
  const first = FIRST[method].filter((n) => names.includes(n));
  const rest = names.filter((n) => !first.includes(n));
  return [...first, ...rest.filter((n) => !LAST.test(n)), ...rest.filter((n) => LAST.test(n))];
}

/**
 * Which way a metric is better, from its name: losses and the share of responses without an end
 * token down; accuracies, scores and margins up; null where neither is better (β, the learning
 * rate, KL — which PPO trades against the reward — entropy, lengths, PPO's policy loss).
 */
export function metricDirection(name: string): 'min' | 'max' | null {
  // PPO's clipped surrogate: its value says nothing about how good the policy is
  if (name === 'policy_loss') return null;
  if (/loss|no_eos_fraction/.test(name)) return 'min';
  if (/accuracy|rm_score|function_reward|gold|margin|chosen_reward|(^|_)desirable_reward/.test(name))
    return 'max';
  return null;
}

export interface MetricSummary {
  /** The last value logged (finite or not: a run that broke ends on the value that broke it). */
  final: { x: number; value: number | string } | null;
  /**
   * The best finite value and its step, for a metric with a direction; of the moving average where
   * the curve is smoothed (`smoothed`), since one lucky batch is not the run's best.
   */
  best: { x: number; value: number; smoothed: boolean } | null;
  /** The range of the finite values, for a metric without one. */
  range: [number, number] | null;
}

/** `series` summed up; `window`: the moving average the report draws (1: none). */
export function summarizeMetric(name: string, series: MetricSeries, window = 1): MetricSummary {
  const lastPoint = series.points.at(-1);
  const lastBad = series.leftOut.at(-1);
  const final =
    lastBad && (!lastPoint || lastBad.x > lastPoint[0])
      ? { x: lastBad.x, value: lastBad.value }
      : lastPoint
        ? { x: lastPoint[0], value: lastPoint[1] }
        : null;
  const direction = metricDirection(name);
  const smoothed = smoothes(series.points.length, window);
  const values = series.points.map((p) => p[1]);
  const candidates = smoothed ? movingAverage(values, window) : values;
  let best: MetricSummary['best'] = null;
  for (let i = 0; i < candidates.length; i++) {
    const v = candidates[i];
    if (best === null || (direction === 'min' ? v < best.value : v > best.value))
      best = { x: series.points[i][0], value: v, smoothed };
  }
  let range: [number, number] | null = null;
  for (const [, v] of series.points) range = range ? [Math.min(range[0], v), Math.max(range[1], v)] : [v, v];
  return { final, best: direction === null ? null : best, range: direction === null ? range : null };
}
