/**
 * What `rein kto` logs of a batch or of the held-out examples: the loss, the reference point z₀
 * (the KL estimate), the mean reward β·r of each kind of answer, and the share of answers on the
 * right side of z₀. A batch may hold one kind only: the other kind's reward is then left out, not NaN.
 */
import * as T from '../../tensor/index.js';
import { mean } from '../../util/stats.js';
import { type KtoWeights, klReferencePoint, ktoLoss } from './loss.js';

export interface KtoMetrics {
  loss: number;
  /** z₀ as the loss used it. */
  kl: number;
  /** Mean β·r of the desirable and of the undesirable answers; absent when there were none. */
  desirableReward?: number;
  undesirableReward?: number;
  /** Share of answers on the right side of z₀: r > z₀ for desirable ones, r < z₀ for undesirable ones. */
  accuracy: number;
}

/** The metrics of a loss of `ktoLoss`, its rewards β·r and the z₀ it used. */
export function ktoMetrics(
  loss: number,
  rewards: Float32Array,
  desirable: readonly boolean[],
  z0: number,
  beta: number,
): KtoMetrics {
  const point = beta * z0; // r ≷ z₀ as rewards β·r, β > 0
  const right = Array.from(rewards, (r, i) => ((desirable[i] ? r > point : r < point) ? 1 : 0));
  const m: KtoMetrics = { loss, kl: z0, accuracy: mean(right) };
  const of = (kind: boolean) => rewards.filter((_, i) => desirable[i] === kind);
  if (of(true).length > 0) m.desirableReward = mean(of(true));
  if (of(false).length > 0) m.undesirableReward = mean(of(false));
  return m;
}

/** Log-probs of a set of examples and of their mismatched sequences, as numbers. */
export interface ScoredExamples {
  logProbs: Float32Array;
  mismatched: Float32Array;
}

/**
 * The metrics of log-probs computed without gradients (the held-out examples): z₀ from all of
 * their mismatched sequences at once, a steadier estimate than a batch's. NaN for no examples.
 */
export function scoredMetrics(
  policy: ScoredExamples,
  ref: ScoredExamples,
  desirable: readonly boolean[],
  w: KtoWeights,
): KtoMetrics {
  const n = policy.logProbs.length;
  if (n === 0) return { loss: Number.NaN, kl: Number.NaN, accuracy: Number.NaN };
  const z0 = klReferencePoint(policy.mismatched, ref.mismatched);
  return T.noGrad(() =>
    T.scope(() => {
      const { loss, rewards } = ktoLoss(T.tensor(policy.logProbs, [n]), ref.logProbs, desirable, z0, w);
      return ktoMetrics(loss.item(), rewards, desirable, z0, w.beta);
    }),
  );
}

/** Each metric averaged over `list` (a reward over the entries that have it; absent where none has). */
export function averageMetrics(list: readonly KtoMetrics[]): KtoMetrics {
  const avg = (k: keyof KtoMetrics) => mean(list.flatMap((m) => (m[k] === undefined ? [] : [m[k]])));
  const m: KtoMetrics = { loss: avg('loss'), kl: avg('kl'), accuracy: avg('accuracy') };
  if (list.some((x) => x.desirableReward !== undefined)) m.desirableReward = avg('desirableReward');
  if (list.some((x) => x.undesirableReward !== undefined)) m.undesirableReward = avg('undesirableReward');
  return m;
}

/** The log's keys of `m`, each after `prefix` (heldout_); margin, desirable less undesirable reward, when both are there. */
export function metricsRecord(m: KtoMetrics, prefix = ''): Record<string, number> {
  const record: Record<string, number> = { loss: m.loss, kl: m.kl };
  if (m.desirableReward !== undefined) record.desirable_reward = m.desirableReward;
  if (m.undesirableReward !== undefined) record.undesirable_reward = m.undesirableReward;
  if (m.desirableReward !== undefined && m.undesirableReward !== undefined)
    record.margin = m.desirableReward - m.undesirableReward;
  record.accuracy = m.accuracy;
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [`${prefix}${k}`, v]));
}
