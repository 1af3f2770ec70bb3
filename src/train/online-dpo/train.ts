/**
 * Online DPO (Guo et al. 2024, "Direct language model alignment from online AI feedback"). Offline
 * DPO (dpo/train.ts) learns from pairs of answers some other model wrote, which say less and less
 * about the policy as it moves away from that model; here every pair is two answers the policy has
 * just given, ordered by the reward model — the paper's AI annotator, and the reward model of
 * rein's step 2 — so the data follow the policy as PPO's rollouts do, with DPO's loss in place of a
 * value model and advantages. One iteration, in order:
 *   1 rollout: G answers to each prompt from the current policy (rein ppo's sampling)
 *   2 score: the reward model (and/or a reward function) on each answer, plus the no-EOS penalty
 *   3 pairs: each prompt's best-scored answer against its worst; equal scores give no pair
 *   4 log-probs of the answers under the frozen reference (and the policy, for the logged KL)
 *   5 DPO updates over the pairs: −log σ(β[(log π − log π_ref)(y_w) − (log π − log π_ref)(y_l)])
 *     (or IPO), sequence log-probs summed over each answer's tokens, plus PPO-ptx when asked.
 */
import type { LoraAdapters } from '../../model/lora.js';
import type { Transformer } from '../../model/transformer.js';
import { AdamW, clipGradNorm } from '../../optim/index.js';
import * as T from '../../tensor/index.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import { Progress } from '../../util/progress.js';
import { mean } from '../../util/stats.js';
import type { Sequence } from '../common/batch.js';
import { maskedMeanOf } from '../common/functional.js';
import { finishLora, startLora } from '../common/lora.js';
import { accumulateGradients, microBatches } from '../common/micro-batches.js';
import { packedLogProbs, packRows } from '../common/packed-rollouts.js';
import { ptxTerm } from '../common/ptx.js';
import { meanRewards, type RewardFunction, rolloutRewards } from '../common/reward-function.js';
import { checkRlInputs, finishRlIteration, saveRlRun, startRlRun } from '../common/rl-iteration.js';
import {
  iterationSampling,
  type RlHooks,
  type RolloutBatch,
  referenceLogProbs,
  responseMask,
  rolloutEncoding,
  rolloutLogProbs,
  rolloutTexts,
  sampledLogProbs,
  sampleRollouts,
  selectResponseRows,
} from '../common/rollout.js';
import { assertFinite, RunLog } from '../common/run-log.js';
import { groupedIndices } from '../common/shuffle-batches.js';
import { dpoLoss } from '../dpo/loss.js';
import { joinTerms, pairMetrics } from '../dpo/objective.js';
import type { OnlineDpoConfig } from './config.js';
import { bestAgainstWorst, type RowPair } from './pairs.js';

/** The models of an online DPO run: no value model. */
export interface OnlineDpoModels {
  /** Trained in place; starts as a copy of the SFT model. */
  policy: Transformer;
  /** The frozen SFT model; null in a LoRA run, whose policy with its adapters switched off is that model. */
  reference: Transformer | null;
  /**
   * The frozen reward model (scalar head) that orders each pair; null where a reward function alone
   * does.
   */
  rewardModel: Transformer | null;
  /** A reward function of the answers' texts: with a reward model too, the two are added. */
  rewardFunction?: RewardFunction;
}

/** One iteration's metrics (written to log.jsonl). */
export interface OnlineDpoIterationLog {
  iteration: number;
  /** Mean RM score of the answers (before the no-EOS penalty), as PPO logs it; with a reward model. */
  rm_score?: number;
  /** Mean reward the reward function gave the answers; with a reward function. */
  function_reward?: number;
  /** Mean over answers of Σ_t log π − log π_ref, before the update (k1 per sequence, as PPO's `kl`). */
  kl: number;
  /** Pairs trained on: one per prompt whose answers did not all score the same. */
  pairs: number;
  /** Mean score of the chosen answer less the rejected one's (penalties included). */
  score_gap: number;
  /** DPO's (or IPO's) loss, mean over the steps; absent in an iteration without pairs, as the rest below. */
  loss?: number;
  /** Mean implicit-reward margin β·h of the pairs, as each step saw them (rising: learning). */
  margin?: number;
  /** Share of the pairs whose implicit rewards already order them as the reward model does. */
  accuracy?: number;
  chosen_reward?: number;
  rejected_reward?: number;
  entropy: number;
  response_length: number;
  no_eos_fraction: number;
  ptx_loss?: number;
  gold?: number;
  seconds: number;
}

export type OnlineDpoHooks = RlHooks<OnlineDpoIterationLog>;

/** Σ_t x[b, t] over each row's response tokens, (B,) from the (B, L) response layout. */
function responseSums(x: Float32Array, lengths: Int32Array, L: number): Float64Array {
  const out = new Float64Array(lengths.length);
  for (let b = 0; b < lengths.length; b++) for (let t = 0; t < lengths[b]; t++) out[b] += x[b * L + t];
  return out;
}

export function trainOnlineDpo(
  models: OnlineDpoModels,
  tok: Tokenizer,
  prompts: readonly string[],
  cfg: OnlineDpoConfig,
  hooks: OnlineDpoHooks = {},
  ptxTexts: readonly Sequence[] = [],
): OnlineDpoIterationLog[] & { lora?: LoraAdapters } {
  const who = 'trainOnlineDpo';
  const { policy, reference, rewardModel } = models;
  checkRlInputs(who, models, prompts, cfg.lora.rank);
  const G = cfg.groupSize;
  const log = hooks.log ?? new RunLog(null);
  const encoding = rolloutEncoding(tok, prompts, hooks);
  const { padId } = encoding;
  const variant = { lossType: cfg.lossType, labelSmoothing: cfg.labelSmoothing };
  // with LoRA only the adapters train; the decoder samples through them
  const lora = startLora(policy, cfg.lora, cfg.seed, hooks.quiet);
  const opt = new AdamW([...policy.trainableParams()], { lr: cfg.lr, weightDecay: 0 });
  const parts = [{ name: 'policy', model: policy, opt }];
  // fresh, or after the last save of a killed run (weights, history, the pair-order generator)
  const run = startRlRun<OnlineDpoIterationLog>(cfg, parts);
  const { history, shuffler } = run;
  const progress = new Progress('online-dpo', cfg.iterations, process.stderr, hooks.quiet);
  // prompt + answer must fit both models' context (the log-prob and score passes read it whole)
  const context = Math.min(
    policy.config.contextLength,
    rewardModel?.config.contextLength ?? Number.POSITIVE_INFINITY,
  );

  for (let iter = run.start; iter < cfg.iterations; iter++) {
    const t0 = Date.now();
    // the iteration's prompts (a seeded pure function of the iteration, as PPO's), each G times in a row
    const rows = groupedIndices(prompts.length, cfg.promptsPerIteration, G, cfg.seed, iter);

    // 1. rollout: G answers per prompt from the current policy
    const { gens, batch } = sampleRollouts(
      policy,
      rows.map((r) => encoding.promptIds[r]),
      iterationSampling(cfg, encoding, context, who, iter),
    );
    const { B, L } = batch;
    const mask = responseMask(batch);

    // 2. score: the reward model and/or the reward function on each answer, summed; one without the
    //    end token is penalised
    const reward = rolloutRewards(models, tok, rows, batch, gens, cfg.noEosPenalty);
    const { scores } = reward;
    const rewardMetrics = meanRewards(reward);
    assertFinite(iter + 1, rewardMetrics, log, 'iteration');

    // 3. pairs: each prompt's best answer against its worst, by that reward
    const pairs = bestAgainstWorst(scores, G);

    // 4. sequence log-probs under the frozen reference (constants of the loss), and the policy's
    //    before the update for the logged KL and entropy; both of π itself, at temperature 1 (the
    //    sampler's own where it sampled at temperature 1)
    const refLogp = referenceLogProbs(policy, reference, batch, 1);
    const oldLogp = cfg.temperature === 1 ? sampledLogProbs(gens, batch) : rolloutLogProbs(policy, batch, 1);
    const refSums = responseSums(refLogp, batch.lengths, L);

    // 5. update: epochs of shuffled batches of pairs, the chosen and rejected answers in one pass
    const stats = { loss: 0, margin: 0, accuracy: 0, chosen: 0, rejected: 0, ptx: 0, n: 0 };
    for (let epoch = 0; epoch < cfg.epochs && pairs.length > 0; epoch++) {
      const order = shuffler.shuffle(pairs.slice());
      for (let m = 0; m < order.length; m += cfg.batchPairs) {
        const mb = order.slice(m, m + cfg.batchPairs);
        // (pass by pass: each pass's mean loss weighted by its share of the pairs; PPO-ptx: one batch
        // of pretraining texts per gradient step)
        const { loss, results, shares, extraValue } = accumulateGradients(
          microBatches(mb, cfg.microBatch),
          (pass) => pass.length,
          (pass) => {
            const { chosen, rejected } = pairLogProbs(policy, batch, mask, pass);
            const { loss, chosenRewards, rejectedRewards } = dpoLoss(
              chosen,
              rejected,
              Float32Array.from(pass, (p) => refSums[p.chosen]),
              Float32Array.from(pass, (p) => refSums[p.rejected]),
              cfg.beta,
              variant,
            );
            return { loss, result: { chosenRewards, rejectedRewards, parts: {} } };
          },
          () => ptxTerm(policy, ptxTexts, cfg, shuffler, padId),
        );
        const step = { ...pairMetrics(loss, joinTerms(results, shares)), ptx: extraValue ?? 0 };
        const gradNorm = clipGradNorm([...policy.trainableParams().values()], cfg.gradClip);
        assertFinite(
          iter + 1,
          { loss: step.loss, ptx_loss: step.ptx, grad_norm: gradNorm },
          log,
          'iteration',
        );
        opt.step();
        opt.zeroGrad();
        stats.loss += step.loss;
        stats.margin += step.margin;
        stats.accuracy += step.accuracy;
        stats.chosen += step.chosenReward;
        stats.rejected += step.rejectedReward;
        stats.ptx += step.ptx;
        stats.n++;
      }
    }

    // log: PPO's list where it applies, and what the pairs were and how the loss saw them
    const entry: OnlineDpoIterationLog = {
      iteration: iter + 1,
      ...rewardMetrics,
      kl: mean(responseSums(oldLogp, batch.lengths, L).map((s, b) => s - refSums[b])),
      pairs: pairs.length,
      score_gap: pairs.length > 0 ? mean(pairs.map((p) => scores[p.chosen] - scores[p.rejected])) : 0,
      ...(stats.n > 0
        ? {
            loss: stats.loss / stats.n,
            margin: stats.margin / stats.n,
            accuracy: stats.accuracy / stats.n,
            chosen_reward: stats.chosen / stats.n,
            rejected_reward: stats.rejected / stats.n,
          }
        : {}),
      entropy: -maskedMeanOf(oldLogp, mask),
      response_length: mean(batch.lengths),
      no_eos_fraction: gens.filter((g) => g.finishReason !== 'stop').length / B,
      seconds: 0,
    };
    if (cfg.ptxCoef > 0 && ptxTexts.length > 0 && stats.n > 0) entry.ptx_loss = stats.ptx / stats.n;
    if (hooks.gold) entry.gold = mean(hooks.gold(rows, rolloutTexts(tok, gens)));
    finishRlIteration(entry, {
      iter,
      t0,
      cfg,
      hooks,
      policy,
      log,
      progress,
      history,
      save: () => saveRlRun(cfg.out, iter + 1, parts, run),
    });
  }
  return finishLora(policy, lora, history); // an ordinary model again; the adapters go with the history
}

/**
 * log π(y|x) of each pair's chosen and rejected answer, differentiable: the 2n rows packed into one
 * forward pass, each answer's token log-probs summed over its response tokens.
 */
function pairLogProbs(
  policy: Transformer,
  batch: RolloutBatch,
  mask: Float32Array,
  pairs: readonly RowPair[],
): { chosen: T.Tensor; rejected: T.Tensor } {
  const n = pairs.length;
  const rows = [...pairs.map((p) => p.chosen), ...pairs.map((p) => p.rejected)];
  const logp = packedLogProbs(policy, packRows(batch, rows), batch.L, 1); // (2n, L)
  const answerMask = T.tensor(selectResponseRows(mask, batch.L, rows), [2 * n, batch.L]);
  const sums = T.sum(T.mul(logp, answerMask), 1); // (2n)
  return { chosen: T.slice(sums, 0, 0, n), rejected: T.slice(sums, 0, n, 2 * n) };
}
