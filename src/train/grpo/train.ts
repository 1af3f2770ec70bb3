/**
 * The critic-free trainer of GRPO and RLOO: RL against a reward model, a reward function of the
 * response text, or both (common/reward-function.ts), without a value model. Each
 * prompt is answered G times and a response's advantage is its reward against the other answers to
 * the same prompt, the same on every one of its tokens; PPO's clipped surrogate turns advantages
 * into updates. The two methods differ in where the KL to the frozen reference goes and what a
 * reward is compared with (config.ts; rloo/config.ts holds RLOO's defaults):
 * - GRPO (Shao et al. 2024): a β·k3 term of the loss; the group's mean, over the group's std;
 * - RLOO (Ahmadian et al. 2024): β·KL charged against each response's reward; the mean of the
 *   other G − 1 answers, undivided.
 * One iteration, in order:
 *   1 rollout (G responses per prompt) → 2 score → 3 log-probs (old, reference) → 4 the rewards
 *   trained on (KL-penalised for RLOO) → 5 group advantages → 6 clipped updates (with the k3 term
 *   for GRPO, and PPO-ptx when asked).
 * Sampling, scoring, packing and log-probs are PPO's (common/rollout.ts), and so is the surrogate.
 */
import type { LoraAdapters } from '../../model/lora.js';
import type { Transformer } from '../../model/transformer.js';
import { AdamW, clipGradNorm } from '../../optim/index.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import { Progress } from '../../util/progress.js';
import { mean } from '../../util/stats.js';
import type { Sequence } from '../common/batch.js';
import { maskedMeanOf } from '../common/functional.js';
import { finishLora, startLora } from '../common/lora.js';
import { accumulateGradients, microBatches, sharedMeans } from '../common/micro-batches.js';
import { packedLogProbs, packRows } from '../common/packed-rollouts.js';
import { ptxTerm } from '../common/ptx.js';
import { meanRewards, type RewardFunction, rolloutRewards } from '../common/reward-function.js';
import { checkRlInputs, finishRlIteration, saveRlRun, startRlRun } from '../common/rl-iteration.js';
import {
  iterationSampling,
  type RlHooks,
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
import { groupAdvantages, perTokenAdvantages } from './advantages.js';
import type { GrpoConfig } from './config.js';
import { klPenalisedSequenceRewards, responseKl } from './kl-reward.js';
import { aggregationWeights, grpoLoss } from './loss.js';

/** The models of a GRPO or RLOO run: no value model. */
export interface GrpoModels {
  /** Trained in place; starts as a copy of the SFT model. */
  policy: Transformer;
  /**
   * The frozen SFT model the KL penalty measures against; null in a LoRA run, whose policy with its
   * adapters switched off is that model (no second copy of the weights).
   */
  reference: Transformer | null;
  /** The frozen reward model (scalar head); null where a reward function alone rewards. */
  rewardModel: Transformer | null;
  /** A reward function of the response texts: with a reward model too, the two are added. */
  rewardFunction?: RewardFunction;
}

/** One iteration's metrics (written to log.jsonl). */
export interface GrpoIterationLog {
  iteration: number;
  /** Mean RM score of the responses (before the no-EOS penalty), as PPO logs it; with a reward model. */
  rm_score?: number;
  /** Mean reward the reward function gave the responses; with a reward function. */
  function_reward?: number;
  /** With the KL in the reward (RLOO): mean of r − β·KL, the rewards trained on (no-EOS penalty included). */
  kl_penalised_reward?: number;
  /** Mean over groups of the std of the rewards trained on (penalties included). */
  reward_std: number;
  /** Share of groups whose rewards are all equal: their advantages are 0. */
  zero_spread_fraction: number;
  /** Mean over responses of Σ_t log π_old − log π_ref (k1 per sequence, as PPO's `kl`). */
  kl: number;
  /** With the KL in the loss (GRPO): the aggregated per-token k3 term, before β, mean over the updates. */
  kl_term?: number;
  policy_loss: number;
  clip_fraction: number;
  approx_kl: number;
  entropy: number;
  response_length: number;
  no_eos_fraction: number;
  ptx_loss?: number;
  gold?: number;
  seconds: number;
}

export type GrpoHooks = RlHooks<GrpoIterationLog>;

/** The methods this trainer runs: the name goes on the progress bar and into errors. */
export type CriticFreeMethod = 'grpo' | 'rloo';

/**
 * A critic-free run: its models, tokenizer, prompts, settings (GrpoConfig, or RlooConfig's other
 * defaults of the same fields), hooks and PPO-ptx texts.
 */
export type CriticFreeRun = [
  models: GrpoModels,
  tok: Tokenizer,
  prompts: readonly string[],
  cfg: GrpoConfig,
  hooks?: GrpoHooks,
  ptxTexts?: readonly Sequence[],
];

/** GRPO: the critic-free trainer with GrpoConfig's settings (or whichever the config gives). */
export function trainGrpo(...run: CriticFreeRun): GrpoIterationLog[] & { lora?: LoraAdapters } {
  return trainCriticFree('grpo', ...run);
}

export function trainCriticFree(
  method: CriticFreeMethod,
  ...[models, tok, prompts, cfg, hooks = {}, ptxTexts = []]: CriticFreeRun
): GrpoIterationLog[] & { lora?: LoraAdapters } {
  const who = method === 'grpo' ? 'trainGrpo' : 'trainRloo';
  const { policy, reference, rewardModel } = models;
  checkRlInputs(who, models, prompts, cfg.lora.rank);
  const klInReward = cfg.klPenalty === 'reward';
  const G = cfg.groupSize;
  const log = hooks.log ?? new RunLog(null);
  const encoding = rolloutEncoding(tok, prompts, hooks);
  const { padId } = encoding;
  // with LoRA only the adapters train; the decoder samples through them
  const lora = startLora(policy, cfg.lora, cfg.seed, hooks.quiet);
  const opt = new AdamW([...policy.trainableParams()], { lr: cfg.lr, weightDecay: 0 });
  const parts = [{ name: 'policy', model: policy, opt }];
  // fresh, or after the last save of a killed run (weights, history, the minibatch-order generator)
  const run = startRlRun<GrpoIterationLog>(cfg, parts);
  const { history, shuffler } = run;
  const progress = new Progress(method, cfg.iterations, process.stderr, hooks.quiet);
  // prompt + response must fit both models' context (the log-prob and score passes read it whole)
  const context = Math.min(
    policy.config.contextLength,
    rewardModel?.config.contextLength ?? Number.POSITIVE_INFINITY,
  );

  for (let iter = run.start; iter < cfg.iterations; iter++) {
    const t0 = Date.now();
    // the iteration's prompts (a seeded pure function of the iteration, as PPO's), each G times in a row
    const rows = groupedIndices(prompts.length, cfg.promptsPerIteration, G, cfg.seed, iter);

    // 1. rollout: G responses per prompt from the current policy (each row draws its own stream)
    const { gens, batch } = sampleRollouts(
      policy,
      rows.map((r) => encoding.promptIds[r]),
      iterationSampling(cfg, encoding, context, who, iter),
    );
    const { B, L } = batch;
    const mask = responseMask(batch);

    // 2. score: the RM at each response's last token and/or the reward function on its text, summed;
    //    a response without the end token is penalised
    const reward = rolloutRewards(models, tok, rows, batch, gens, cfg.noEosPenalty);
    const { scores } = reward;

    // 3. log-probs under the policy (old: the ratio's denominator) and the reference (the KL's).
    //    GRPO takes the sampler's own, recorded at this temperature while it drew the tokens (a pass
    //    fewer, as PPO). RLOO charges old − ref in the reward, where the decoder's rounding would give
    //    a policy that never moved a KL of ~1e-7 and unanimous groups a spread; its pass matches the
    //    reference's bit for bit.
    const oldLogp = klInReward
      ? rolloutLogProbs(policy, batch, cfg.temperature)
      : sampledLogProbs(gens, batch);
    const refLogp = referenceLogProbs(policy, reference, batch, cfg.temperature);

    // 4. the rewards trained on: the scores (GRPO), or each score less β·KL of its response (RLOO:
    //    the KL then meets the same baseline as the score, so of two answers that score alike the
    //    one further from the reference gets the lower advantage)
    const kl = responseKl(oldLogp, refLogp, batch.lengths, L);
    const penalised = klInReward ? klPenalisedSequenceRewards(scores, kl, cfg.beta) : null;
    const rewards = penalised ?? scores;

    // 5. advantages: each reward against its baseline (its group's mean, or the mean of the other
    //    G − 1), on every token of the response
    const group = groupAdvantages(rewards, G, cfg.scaleRewards, cfg.baseline);
    const advantages = perTokenAdvantages(group.advantages, batch.lengths, L);
    const weights = aggregationWeights(batch.lengths, L, cfg.lossAggregation);

    // 6. update: epochs of shuffled minibatches of responses, clipped surrogate (+ β·k3 when the KL
    //    is in the loss) (+ ptx)
    const stats = { pg: 0, kl: 0, clip: 0, approxKl: 0, ptx: 0, n: 0 };
    for (let epoch = 0; epoch < cfg.epochs; epoch++) {
      const order = shuffler.shuffle(Array.from({ length: B }, (_, i) => i));
      for (let m = 0; m < B; m += cfg.minibatch) {
        const mb = order.slice(m, m + cfg.minibatch);
        // (pass by pass: each pass's aggregated loss weighted by its share of the minibatch's weights;
        // PPO-ptx: one batch of pretraining texts per gradient step)
        const { results, shares, extraValue } = accumulateGradients(
          microBatches(mb, cfg.microBatch),
          (rows) => rows.reduce((n, r) => weights.subarray(r * L, (r + 1) * L).reduce((a, w) => a + w, n), 0),
          (rows) => {
            const logp = packedLogProbs(policy, packRows(batch, rows), L, cfg.temperature); // (b, L)
            const g = grpoLoss(
              logp,
              selectResponseRows(oldLogp, L, rows),
              klInReward ? null : selectResponseRows(refLogp, L, rows),
              selectResponseRows(advantages, L, rows),
              selectResponseRows(weights, L, rows),
              cfg.clipRange,
              cfg.beta,
            );
            return { loss: g.loss, result: g.stats };
          },
          () => ptxTerm(policy, ptxTexts, cfg, shuffler, padId),
        );
        const step = { ...sharedMeans(results, shares), ptx: extraValue ?? 0 };
        const gradNorm = clipGradNorm([...policy.trainableParams().values()], cfg.gradClip);
        assertFinite(
          iter + 1,
          {
            policy_loss: step.surrogate,
            ...(step.kl !== undefined ? { kl_term: step.kl } : {}),
            ptx_loss: step.ptx,
            grad_norm: gradNorm,
          },
          log,
          'iteration',
        );
        opt.step();
        opt.zeroGrad();
        stats.pg += step.surrogate;
        stats.kl += step.kl ?? 0;
        stats.clip += step.clipFraction;
        stats.approxKl += step.approxKl;
        stats.ptx += step.ptx;
        stats.n++;
      }
    }

    // log: PPO's list where it applies, plus what groups add (their spread, and how many had none)
    // and where the KL went (the penalised rewards' mean, or the loss term)
    const rewardMetrics = meanRewards(reward);
    const entry: GrpoIterationLog = {
      iteration: iter + 1,
      ...rewardMetrics,
      ...(penalised ? { kl_penalised_reward: mean(penalised) } : {}),
      reward_std: mean(group.groupStd),
      zero_spread_fraction: group.zeroSpread / group.groupStd.length,
      kl: mean(kl),
      ...(klInReward ? {} : { kl_term: stats.kl / stats.n }),
      policy_loss: stats.pg / stats.n,
      clip_fraction: stats.clip / stats.n,
      approx_kl: stats.approxKl / stats.n,
      entropy: -maskedMeanOf(oldLogp, mask),
      response_length: mean(batch.lengths),
      no_eos_fraction: gens.filter((g) => g.finishReason !== 'stop').length / B,
      seconds: 0,
    };
    if (cfg.ptxCoef > 0 && ptxTexts.length > 0) entry.ptx_loss = stats.ptx / stats.n;
    if (hooks.gold) entry.gold = mean(hooks.gold(rows, rolloutTexts(tok, gens)));
    assertFinite(iter + 1, { ...rewardMetrics, kl: entry.kl }, log, 'iteration');
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
