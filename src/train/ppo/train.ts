/**
 * Step 3 of RLHF: PPO against the reward model, held near the SFT model by a KL penalty.
 * One iteration is seven steps, in order:
 *   1 rollout → 2 score → 3 log-probs and values → 4 KL-penalised rewards →
 *   5 (optional) reward whitening → 6 GAE + advantage whitening → 7 clipped updates.
 * The policy and the value model are separate transformers (the value model starts from the
 * RM); the reference (SFT) and the RM are frozen.
 */
import { type LoraAdapters, mergeLora } from '../../model/lora.js';
import type { Transformer } from '../../model/transformer.js';
import { AdamW, clipGradNorm } from '../../optim/index.js';
import * as T from '../../tensor/index.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import { Progress } from '../../util/progress.js';
import type { Sequence } from '../common/batch.js';
import { maskedMeanOf } from '../common/functional.js';
import { finishLora, startLora } from '../common/lora.js';
import { accumulateGradients, microBatches, sharedMeans } from '../common/micro-batches.js';
import { packAll, packedLogProbs, packedValues, packRows } from '../common/packed-rollouts.js';
import { ptxTerm } from '../common/ptx.js';
import { meanRewards, type RewardFunction, rolloutRewards } from '../common/reward-function.js';
import { checkRlInputs, finishRlIteration, saveRlRun, startRlRun } from '../common/rl-iteration.js';
import {
  iterationSampling,
  type RlHooks,
  referenceLogProbs,
  responseMask,
  rolloutEncoding,
  rolloutTexts,
  sampledLogProbs,
  sampleRollouts,
  selectResponseRows,
} from '../common/rollout.js';
import { assertFinite, RunLog } from '../common/run-log.js';
import { batchIndices } from '../common/shuffle-batches.js';
import { gae, klPenalisedRewards, whiten } from './advantages.js';
import type { PpoConfig } from './config.js';
import { adaptiveKl, fixedKl, type KlController } from './kl-controller.js';
import { policyLoss, valueLoss } from './loss.js';

/** The models of a PPO run. */
export interface PpoModels {
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
  /**
   * Trained in place; starts as a copy of the reward model (without one, of the policy with a fresh
   * scalar head).
   */
  value: Transformer;
}

/** One iteration's metrics (written to log.jsonl). */
export interface PpoIterationLog {
  iteration: number;
  /** Mean RM score of the rollouts (before the no-EOS penalty); with a reward model. */
  rm_score?: number;
  /** Mean reward the reward function gave them; with a reward function. */
  function_reward?: number;
  kl: number;
  beta: number;
  policy_loss: number;
  value_loss: number;
  clip_fraction: number;
  value_clip_fraction: number;
  approx_kl: number;
  entropy: number;
  response_length: number;
  no_eos_fraction: number;
  ptx_loss?: number;
  gold?: number;
  seconds: number;
}

export type PpoHooks = RlHooks<PpoIterationLog>;

export function trainPpo(
  models: PpoModels,
  tok: Tokenizer,
  prompts: readonly string[],
  cfg: PpoConfig,
  hooks: PpoHooks = {},
  ptxTexts: readonly Sequence[] = [],
): PpoIterationLog[] & { lora?: LoraAdapters } {
  const { policy, reference, rewardModel, value } = models;
  checkRlInputs('trainPpo', models, prompts, cfg.lora.rank);
  if (!value.hasScalarHead) throw new Error('trainPpo: the value model needs a scalar head');
  const log = hooks.log ?? new RunLog(null);
  const encoding = rolloutEncoding(tok, prompts, hooks);
  const { padId } = encoding;
  // with LoRA only the adapters (and the value model's head) train; the decoder samples through them
  const policyLora = startLora(policy, cfg.lora, cfg.seed, hooks.quiet);
  const valueLora = startLora(value, cfg.lora, cfg.seed + 1, true);
  const policyOpt = new AdamW([...policy.trainableParams()], { lr: cfg.lr, weightDecay: 0 });
  const valueOpt = new AdamW([...value.trainableParams()], { lr: cfg.valueLr, weightDecay: 0 });
  const parts = [
    { name: 'policy', model: policy, opt: policyOpt },
    { name: 'value', model: value, opt: valueOpt },
  ];
  // fresh, or after the last save of a killed run (weights, history, the minibatch-order generator, β)
  const run = startRlRun<PpoIterationLog, { beta: number }>(cfg, parts);
  const { history, shuffler } = run;
  const beta = run.extra?.beta ?? cfg.kl.beta;
  const kl: KlController = cfg.kl.adaptive ? adaptiveKl(beta, cfg.kl.target, cfg.kl.horizon) : fixedKl(beta);
  const progress = new Progress('ppo', cfg.iterations, process.stderr, hooks.quiet);
  // prompt + response must fit every model's context (the log-prob passes read the whole sequence)
  const context = Math.min(
    policy.config.contextLength,
    rewardModel?.config.contextLength ?? Number.POSITIVE_INFINITY,
    value.config.contextLength,
  );

  for (let iter = run.start; iter < cfg.iterations; iter++) {
    const t0 = Date.now();
    const rows = batchIndices(prompts.length, cfg.rolloutBatch, cfg.seed, iter);

    // 1. rollout: sample a response per prompt from the current policy (KV cache, stop at <|end|>)
    const { gens, batch } = sampleRollouts(
      policy,
      rows.map((r) => encoding.promptIds[r]),
      iterationSampling(cfg, encoding, context, 'trainPpo', iter),
    );
    const { B, L } = batch;
    const mask = responseMask(batch);

    // 2. score: the RM at each response's last token and/or the reward function on its text, summed;
    //    a response without the end token is penalised
    const reward = rolloutRewards(models, tok, rows, batch, gens, cfg.noEosPenalty);
    const { scores } = reward;

    // 3. log-probs under the policy (old: the sampler's own, recorded at this temperature while it
    //    drew the tokens) and the reference, and the value model's values
    const oldLogp = sampledLogProbs(gens, batch);
    const refLogp = referenceLogProbs(policy, reference, batch, cfg.temperature);
    const oldValues = T.noGrad(() =>
      T.scope(() => Float32Array.from(packedValues(value, packAll(batch), L).data)),
    );

    // 4. per-token rewards: −β·KL_t on every token, plus the score on the last one
    const klTokens = new Float32Array(B * L);
    for (let i = 0; i < klTokens.length; i++) {
      if (mask[i] === 0) continue;
      const d = oldLogp[i] - refLogp[i];
      klTokens[i] = cfg.kl.estimator === 'k1' ? d : Math.expm1(-d) + d; // k3 with r = π_ref/π
    }
    let rewards = klPenalisedRewards(scores, klTokens, batch.lengths, kl.beta, L);

    // 5. optional reward whitening (keeps the mean: a reward's sign means something)
    if (cfg.whitenRewards) rewards = whiten(rewards, batch.lengths, L, false);

    // 6. GAE backwards over each response, then whitened advantages
    const { advantages: rawAdv, returns } = gae(rewards, oldValues, batch.lengths, L, cfg.gamma, cfg.lambda);
    const advantages = whiten(rawAdv, batch.lengths, L);

    // 7. update: several epochs of shuffled minibatches, clipped policy and value losses
    const stats = { pg: 0, vf: 0, clip: 0, vclip: 0, approxKl: 0, ptx: 0, n: 0 };
    for (let epoch = 0; epoch < cfg.ppoEpochs; epoch++) {
      const order = shuffler.shuffle(Array.from({ length: B }, (_, i) => i));
      for (let m = 0; m < B; m += cfg.minibatch) {
        const mb = order.slice(m, m + cfg.minibatch);
        // (pass by pass: each pass's token-mean losses weighted by its share of the minibatch's tokens;
        // PPO-ptx: one batch of pretraining texts per gradient step)
        const { results, shares, extraValue } = accumulateGradients(
          microBatches(mb, cfg.microBatch),
          (rows) => rows.reduce((n, r) => n + batch.lengths[r], 0),
          (rows) => {
            const packed = packRows(batch, rows);
            const passMask = selectResponseRows(mask, L, rows);
            const logp = packedLogProbs(policy, packed, L, cfg.temperature); // (b, L)
            const pg = policyLoss(
              logp,
              selectResponseRows(oldLogp, L, rows),
              selectResponseRows(advantages, L, rows),
              passMask,
              cfg.clipRange,
            );
            const values = packedValues(value, packed, L); // (b, L)
            const vf = valueLoss(
              values,
              selectResponseRows(oldValues, L, rows),
              selectResponseRows(returns, L, rows),
              passMask,
              cfg.valueClipRange,
            );
            return {
              loss: T.add(pg.loss, T.scale(vf.loss, cfg.vfCoef)),
              result: {
                pg: pg.loss.item(),
                vf: vf.loss.item(),
                clip: pg.stats.clipFraction,
                vclip: vf.clipFraction,
                approxKl: pg.stats.approxKl,
              },
            };
          },
          () => ptxTerm(policy, ptxTexts, cfg, shuffler, padId),
        );
        const step = { ...sharedMeans(results, shares), ptx: extraValue ?? 0 };
        const policyNorm = clipGradNorm([...policy.trainableParams().values()], cfg.gradClip);
        const valueNorm = clipGradNorm([...value.trainableParams().values()], cfg.gradClip);
        assertFinite(
          iter + 1,
          {
            policy_loss: step.pg,
            value_loss: step.vf,
            ptx_loss: step.ptx,
            policy_grad_norm: policyNorm,
            value_grad_norm: valueNorm,
          },
          log,
          'iteration',
        );
        policyOpt.step();
        valueOpt.step();
        policyOpt.zeroGrad();
        valueOpt.zeroGrad();
        stats.pg += step.pg;
        stats.vf += step.vf;
        stats.clip += step.clip;
        stats.vclip += step.vclip;
        stats.approxKl += step.approxKl;
        stats.ptx += step.ptx;
        stats.n++;
      }
    }

    // log: what an RLHF run is watched by, plus the gold score where a judge is given
    const seqKl = new Float32Array(B);
    for (let b = 0; b < B; b++) for (let t = 0; t < batch.lengths[b]; t++) seqKl[b] += klTokens[b * L + t];
    const meanKl = seqKl.reduce((a, x) => a + x, 0) / B;
    const rewardMetrics = meanRewards(reward);
    const entry: PpoIterationLog = {
      iteration: iter + 1,
      ...rewardMetrics,
      kl: meanKl,
      beta: kl.beta,
      policy_loss: stats.pg / stats.n,
      value_loss: stats.vf / stats.n,
      clip_fraction: stats.clip / stats.n,
      value_clip_fraction: stats.vclip / stats.n,
      approx_kl: stats.approxKl / stats.n,
      entropy: -maskedMeanOf(oldLogp, mask),
      response_length: batch.lengths.reduce((a, x) => a + x, 0) / B,
      no_eos_fraction: gens.filter((g) => g.finishReason !== 'stop').length / B,
      seconds: 0,
    };
    if (cfg.ptxCoef > 0 && ptxTexts.length > 0) entry.ptx_loss = stats.ptx / stats.n;
    if (hooks.gold) {
      const golds = hooks.gold(rows, rolloutTexts(tok, gens));
      entry.gold = golds.reduce((a, x) => a + x, 0) / golds.length;
    }
    assertFinite(iter + 1, { ...rewardMetrics, kl: entry.kl }, log, 'iteration');
    kl.update(meanKl, B);
    finishRlIteration(entry, {
      iter,
      t0,
      cfg,
      hooks,
      policy,
      log,
      progress,
      history,
      save: () => saveRlRun(cfg.out, iter + 1, parts, run, { beta: kl.beta }),
    });
  }
  // LoRA: both models become ordinary ones again; the policy's adapters go with the history for saving
  if (valueLora !== null) mergeLora(value);
  return finishLora(policy, policyLora, history);
}
