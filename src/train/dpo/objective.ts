/**
 * The preference losses of `rein dpo` behind one call. Each scores a pair from the policy's response
 * log-probs and defines its own reward of an answer — DPO and IPO β·(log π − log π_ref), SimPO
 * β·(mean token log-prob), ORPO the log odds, CPO β·log π — whose chosen − rejected gap is the logged margin,
 * and whose sign, over held-out pairs, is the logged accuracy.
 */
import * as T from '../../tensor/index.js';
import { mean } from '../../util/stats.js';
import { joinPasses, sharedMeans } from '../common/micro-batches.js';
import type { DpoConfig } from './config.js';
import { dpoLoss } from './loss.js';
import { orpoLoss } from './orpo-loss.js';
import { simpoLoss } from './simpo-loss.js';

/**
 * Pairs' summed response log-probs, log π(y_w|x) and log π(y_l|x) (tensors while training, numbers
 * otherwise), with each answer's count of response tokens for the per-token means.
 */
export interface ScoredPairs<X> {
  chosen: X;
  rejected: X;
  chosenTokens: Float32Array;
  rejectedTokens: Float32Array;
}
export type PairLogProbs = ScoredPairs<Float32Array>;

export type PreferenceSettings = Pick<
  DpoConfig,
  'lossType' | 'beta' | 'labelSmoothing' | 'simpoGamma' | 'rpoAlpha' | 'cpoAlpha'
>;

export interface PreferenceTerms {
  /** Mean over the pairs. */
  loss: T.Tensor;
  /** Each pair's chosen and rejected reward, as the loss defines it. */
  chosenRewards: Float32Array;
  rejectedRewards: Float32Array;
  /**
   * The parts of a composite loss, logged beside it: ORPO's sft_loss and odds_ratio_loss, RPO's
   * dpo_loss and nll_loss.
   */
  parts: Record<string, number>;
}

/** A batch's metrics: the loss, the mean reward margin and the share of pairs it orders right. */
export interface DpoMetrics {
  loss: number;
  margin: number;
  accuracy: number;
}

export interface PairMetrics extends DpoMetrics {
  /** Mean rewards of the chosen and the rejected answers. */
  chosenReward: number;
  rejectedReward: number;
  parts: Record<string, number>;
}

const perToken = (sum: T.Tensor, tokens: Float32Array) => T.div(sum, T.tensor(tokens, [tokens.length]));

/** The loss of `s.lossType` on a batch; `ref` (the frozen reference's log-probs) for the losses that have one. */
export function preferenceTerms(
  s: PreferenceSettings,
  policy: ScoredPairs<T.Tensor>,
  ref: PairLogProbs | null,
): PreferenceTerms {
  if (s.lossType === 'simpo') {
    const r = simpoLoss(
      perToken(policy.chosen, policy.chosenTokens),
      perToken(policy.rejected, policy.rejectedTokens),
      s.beta,
      s.simpoGamma,
      s.labelSmoothing,
    );
    return { loss: r.loss, chosenRewards: r.chosenRewards, rejectedRewards: r.rejectedRewards, parts: {} };
  }
  if (s.lossType === 'orpo') {
    const r = orpoLoss(
      perToken(policy.chosen, policy.chosenTokens),
      perToken(policy.rejected, policy.rejectedTokens),
      s.beta,
    );
    return {
      loss: r.loss,
      chosenRewards: r.chosenLogOdds,
      rejectedRewards: r.rejectedLogOdds,
      parts: { sft_loss: r.sftLoss, odds_ratio_loss: r.oddsRatioLoss },
    };
  }
  if (s.lossType === 'cpo') {
    // CPO: SimPO's loss on the summed log-probs with no margin (reward β·log π), plus RPO's NLL term
    const r = simpoLoss(policy.chosen, policy.rejected, s.beta, 0, s.labelSmoothing);
    return withChosenNll(r.loss, 'preference_loss', r, policy, s.cpoAlpha);
  }
  if (ref === null)
    throw new Error(`preferenceTerms: the ${s.lossType} loss needs the reference's log-probs`);
  const variant = { lossType: s.lossType, labelSmoothing: s.labelSmoothing };
  const r = dpoLoss(policy.chosen, policy.rejected, ref.chosen, ref.rejected, s.beta, variant);
  if (s.rpoAlpha === 0)
    return { loss: r.loss, chosenRewards: r.chosenRewards, rejectedRewards: r.rejectedRewards, parts: {} };
  return withChosenNll(r.loss, 'dpo_loss', r, policy, s.rpoAlpha); // RPO
}

/**
 * `base` plus α times the chosen answers' per-token NLL, the mean over pairs of −log π(y_w|x)/|y_w|
 * (RPO's term beside a reference, CPO's in place of one), each part logged under its name.
 */
function withChosenNll(
  base: T.Tensor,
  baseName: string,
  rewards: Pick<PreferenceTerms, 'chosenRewards' | 'rejectedRewards'>,
  policy: ScoredPairs<T.Tensor>,
  alpha: number,
): PreferenceTerms {
  const nll = T.neg(T.mean(perToken(policy.chosen, policy.chosenTokens)));
  return {
    loss: alpha === 0 ? base : T.add(base, T.scale(nll, alpha)),
    chosenRewards: rewards.chosenRewards,
    rejectedRewards: rewards.rejectedRewards,
    parts: { [baseName]: base.item(), nll_loss: nll.item() },
  };
}

/** A batch's terms without the loss tensor: its rewards and parts, as numbers. */
export type TermValues = Omit<PreferenceTerms, 'loss'>;

/** The metrics of a batch: `loss` its loss's value, `terms` its rewards and parts. */
export function pairMetrics(loss: number, terms: TermValues): PairMetrics {
  const margins = terms.chosenRewards.map((c, i) => c - terms.rejectedRewards[i]);
  return {
    loss,
    margin: mean(margins),
    accuracy: mean(margins.map((m) => (m > 0 ? 1 : 0))),
    chosenReward: mean(terms.chosenRewards),
    rejectedReward: mean(terms.rejectedRewards),
    parts: terms.parts,
  };
}

/**
 * One batch's terms from those of its passes (micro-batches) and their shares of its pairs: the
 * rewards in order, and each part the share-weighted sum of the passes' (each a mean over its pairs).
 */
export function joinTerms(passes: readonly TermValues[], shares: readonly number[]): TermValues {
  if (passes.length === 1) return passes[0];
  return {
    chosenRewards: joinPasses(passes.map((t) => t.chosenRewards)),
    rejectedRewards: joinPasses(passes.map((t) => t.rejectedRewards)),
    parts: sharedMeans(
      passes.map((t) => t.parts),
      shares,
    ),
  };
}

/** The metrics of log-probs computed without gradients (held-out pairs); NaN for no pairs. */
export function dpoMetrics(
  s: PreferenceSettings,
  policy: PairLogProbs,
  ref: PairLogProbs | null,
): PairMetrics {
  const n = policy.chosen.length;
  if (n === 0)
    return {
      loss: Number.NaN,
      margin: Number.NaN,
      accuracy: Number.NaN,
      chosenReward: Number.NaN,
      rejectedReward: Number.NaN,
      parts: {},
    };
  return T.noGrad(() =>
    T.scope(() => {
      const asTensors = {
        ...policy,
        chosen: T.tensor(policy.chosen, [n]),
        rejected: T.tensor(policy.rejected, [n]),
      };
      const { loss, ...values } = preferenceTerms(s, asTensors, ref);
      return pairMetrics(loss.item(), values);
    }),
  );
}
