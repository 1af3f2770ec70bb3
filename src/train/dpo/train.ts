/**
 * Direct preference optimisation (Rafailov et al. 2023): the policy is trained on preference pairs
 * directly — no reward model, no sampling. The implicit reward of an answer is
 * β·(log π(y|x) − log π_ref(y|x)); the loss (loss.ts) pushes the chosen answer's implicit reward
 * above the rejected one's.
 *
 * Sequence log-probs are sums over the response tokens (the end token included) through the chat
 * template. The reference is the starting model, frozen: its log-probs of every pair are computed
 * once, before the first step, so no second model is kept in memory.
 */
import type { PairRecord } from '../../data/ranking.js';
import { responseLogProbs, type Transformer } from '../../model/transformer.js';
import { AdamW, clipGradNorm, warmupCosine } from '../../optim/index.js';
import * as T from '../../tensor/index.js';
import { encodeChat } from '../../tokenizer/chat-template.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import { Progress } from '../../util/progress.js';
import { padRight, type Sequence, truncate } from '../common/batch.js';
import { flatPairs } from '../common/preference-data.js';
import { RunInputError } from '../common/run-input.js';
import { assertFinite, RunLog } from '../common/run-log.js';
import { batchIndices, splitIndices } from '../common/shuffle-batches.js';
import { loadTrainState, saveTrainState } from '../common/train-state.js';
import type { RankedPrompt } from '../reward/data.js';
import type { DpoConfig } from './config.js';
import { type DpoVariant, dpoLoss, dpoPairLoss, PLAIN_DPO } from './loss.js';

/** One preference pair, tokenised through the chat template. */
export interface EncodedPair {
  chosen: Sequence;
  rejected: Sequence;
}

/** Sequence log-probs of pairs: log π(y_w|x) and log π(y_l|x), one entry per pair. */
export interface PairLogProbs {
  chosen: Float32Array;
  rejected: Float32Array;
}

/** Held-out (or any) pairs' DPO metrics. */
export interface DpoMetrics {
  loss: number;
  /** Mean of β·[(log π − log π_ref)(y_w) − (log π − log π_ref)(y_l)]. */
  margin: number;
  /** Fraction of pairs whose margin is positive (the implicit reward orders them right). */
  accuracy: number;
}

export interface DpoResult {
  steps: number;
  trainPairs: number;
  heldoutPairs: number;
  /** Pairs dropped because truncation left a response without tokens. */
  droppedPairs: number;
  /** Metrics on the training pairs over the last 10 % of steps. */
  finalTrain: DpoMetrics;
  /** Metrics on the held-out pairs at the end (NaN when none are held out). */
  heldout: DpoMetrics;
}

export function encodePairs(tok: Tokenizer, pairs: readonly PairRecord[], maxLength: number): EncodedPair[] {
  return pairs.map((p) => ({
    chosen: truncate(encodeChat(tok, p.prompt, p.chosen), maxLength),
    rejected: truncate(encodeChat(tok, p.prompt, p.rejected), maxLength),
  }));
}

/**
 * Summed response log-probs of a batch of pairs, differentiable: the n chosen and the n rejected
 * answers are the 2n rows of one right-padded forward pass. Returns two (n,) tensors.
 */
export function pairLogProbs(
  model: Transformer,
  pairs: readonly EncodedPair[],
  padId: number,
): { chosen: T.Tensor; rejected: T.Tensor } {
  const n = pairs.length;
  const batch = padRight(
    [...pairs.map((p) => p.chosen), ...pairs.map((p) => p.rejected)],
    padId,
    model.config.contextLength,
  );
  const { logProbs } = responseLogProbs(model, batch, batch.responseStart); // (2n, T), 0 off the response
  const seq = T.sum(logProbs, 1); // (2n)
  return { chosen: T.slice(seq, 0, 0, n), rejected: T.slice(seq, 0, n, 2 * n) };
}

/** The same log-probs as numbers, without gradients, batch by batch (the frozen reference's). */
export function pairLogProbsNoGrad(
  model: Transformer,
  pairs: readonly EncodedPair[],
  padId: number,
  batchSize: number,
): PairLogProbs {
  const chosen = new Float32Array(pairs.length);
  const rejected = new Float32Array(pairs.length);
  T.noGrad(() => {
    for (let i = 0; i < pairs.length; i += batchSize) {
      T.scope(() => {
        const lp = pairLogProbs(model, pairs.slice(i, i + batchSize), padId);
        chosen.set(lp.chosen.data, i);
        rejected.set(lp.rejected.data, i);
      });
    }
  });
  return { chosen, rejected };
}

/** DPO loss, mean margin and accuracy of `policy` log-probs against the reference's. */
export function dpoMetrics(
  policy: PairLogProbs,
  ref: PairLogProbs,
  beta: number,
  variant: DpoVariant = PLAIN_DPO,
): DpoMetrics {
  const n = policy.chosen.length;
  if (n === 0) return { loss: Number.NaN, margin: Number.NaN, accuracy: Number.NaN };
  let loss = 0;
  let margin = 0;
  let right = 0;
  for (let i = 0; i < n; i++) {
    const h = policy.chosen[i] - ref.chosen[i] - (policy.rejected[i] - ref.rejected[i]);
    loss += dpoPairLoss(h, beta, variant);
    margin += beta * h;
    right += h > 0 ? 1 : 0;
  }
  return { loss: loss / n, margin: margin / n, accuracy: right / n };
}

function pick(x: Float32Array, rows: readonly number[]): Float32Array {
  return Float32Array.from(rows, (r) => x[r]);
}

/** Trains `model` in place with DPO on the pairs of `data`; the reference is `model` as given. */
export function trainDpo(
  model: Transformer,
  tok: Tokenizer,
  data: readonly RankedPrompt[],
  cfg: DpoConfig,
  options: { log?: RunLog; quiet?: boolean } = {},
): DpoResult {
  const log = options.log ?? new RunLog(null);
  const padId = tok.padId ?? 0;
  if (cfg.lossType === 'ipo' && cfg.labelSmoothing > 0)
    throw new RunInputError(
      '--labelSmoothing applies to the sigmoid loss only (ipo has no flipped-label term)',
    );
  const variant: DpoVariant = { lossType: cfg.lossType, labelSmoothing: cfg.labelSmoothing };
  // held out by prompt, so no answer to a held-out prompt is ever trained on
  const withPairs = data.filter((d) => d.pairs.length > 0);
  const split = splitIndices(withPairs.length, cfg.heldoutFraction, cfg.seed);
  const usable = (p: EncodedPair) =>
    p.chosen.ids.length > p.chosen.responseStart && p.rejected.ids.length > p.rejected.responseStart;
  const encodeSplit = (idx: number[]) =>
    encodePairs(tok, flatPairs(idx.map((i) => withPairs[i])), cfg.maxLength);
  const allTrain = encodeSplit(split.train);
  const allHeldout = encodeSplit(split.heldout);
  const train = allTrain.filter(usable);
  const heldout = allHeldout.filter(usable);
  const droppedPairs = allTrain.length + allHeldout.length - train.length - heldout.length;
  if (train.length === 0) throw new Error('trainDpo: no preference pairs to train on');

  // the frozen reference: the starting model's log-probs of every pair, computed once
  const refTrain = pairLogProbsNoGrad(model, train, padId, cfg.batchPairs);
  const refHeldout = pairLogProbsNoGrad(model, heldout, padId, cfg.batchPairs);

  const steps = Math.max(1, Math.ceil((cfg.epochs * train.length) / cfg.batchPairs));
  const opt = new AdamW([...model.params], { lr: cfg.lr, weightDecay: cfg.weightDecay });
  const lrAt = warmupCosine({
    maxLr: cfg.lr,
    minLr: cfg.lr * cfg.minLrRatio,
    warmupSteps: Math.min(cfg.warmupSteps, steps),
    totalSteps: steps,
  });
  // the per-step metrics so far travel with the saved state: the result averages the last tenth
  const saved = cfg.resume
    ? loadTrainState<{ metrics: DpoMetrics[] }>(cfg.out, [{ name: 'policy', model, opt }])
    : null;
  const startStep = saved?.step ?? 0;
  const evalHeldout = (): DpoMetrics =>
    dpoMetrics(pairLogProbsNoGrad(model, heldout, padId, cfg.batchPairs), refHeldout, cfg.beta, variant);

  const progress = new Progress('dpo', steps, process.stderr, options.quiet);
  const recent: DpoMetrics[] = saved?.extra.metrics ?? [];
  for (let step = startStep; step < steps; step++) {
    // 1. a batch of pairs: chosen and rejected answers in one forward pass
    const rows = batchIndices(train.length, cfg.batchPairs, cfg.seed, step);
    const ref = { chosen: pick(refTrain.chosen, rows), rejected: pick(refTrain.rejected, rows) };
    // 2. summed response log-probs, the DPO loss against the reference's, backward
    const policy = T.scope(() => {
      const lp = pairLogProbs(
        model,
        rows.map((r) => train[r]),
        padId,
      ); // (n), (n)
      const { loss } = dpoLoss(lp.chosen, lp.rejected, ref.chosen, ref.rejected, cfg.beta, variant);
      T.backward(loss);
      return { chosen: Float32Array.from(lp.chosen.data), rejected: Float32Array.from(lp.rejected.data) };
    });
    const m = dpoMetrics(policy, ref, cfg.beta, variant);
    // 3. clip and step
    const gradNorm = clipGradNorm([...model.params.values()], cfg.gradClip);
    assertFinite(step + 1, { loss: m.loss, grad_norm: gradNorm }, log);
    opt.lr = lrAt(step);
    opt.step();
    opt.zeroGrad();

    recent.push(m);
    const mean = (x: Float32Array) => x.reduce((a, b) => a + b, 0) / x.length;
    const record: Record<string, number> = {
      step: step + 1,
      loss: m.loss,
      margin: m.margin,
      accuracy: m.accuracy,
      // implicit rewards β·(log π − log π_ref) of the chosen and rejected answers
      chosen_reward: cfg.beta * (mean(policy.chosen) - mean(ref.chosen)),
      rejected_reward: cfg.beta * (mean(policy.rejected) - mean(ref.rejected)),
      lr: opt.lr,
      grad_norm: gradNorm,
    };
    if (heldout.length > 0 && ((step + 1) % cfg.evalEvery === 0 || step + 1 === steps)) {
      const h = evalHeldout();
      record.heldout_loss = h.loss;
      record.heldout_margin = h.margin;
      record.heldout_accuracy = h.accuracy;
    }
    log.write(record);
    progress.update(step + 1, `loss ${m.loss.toFixed(3)} margin ${m.margin.toFixed(3)}`);
    if (cfg.saveEvery > 0 && (step + 1) % cfg.saveEvery === 0 && step + 1 < steps)
      saveTrainState(cfg.out, step + 1, [{ name: 'policy', model, opt }], { metrics: recent });
  }
  const tail = recent.slice(-Math.max(1, Math.ceil(recent.length / 10)));
  const avg = (k: keyof DpoMetrics) =>
    tail.length ? tail.reduce((a, r) => a + r[k], 0) / tail.length : Number.NaN;
  return {
    steps,
    trainPairs: train.length,
    heldoutPairs: heldout.length,
    droppedPairs,
    finalTrain: { loss: avg('loss'), margin: avg('margin'), accuracy: avg('accuracy') },
    heldout: evalHeldout(),
  };
}
