/**
 * Direct preference optimisation (Rafailov et al. 2023): the policy is trained on preference pairs
 * directly — no reward model, no sampling. The implicit reward of an answer is
 * β·(log π(y|x) − log π_ref(y|x)); the loss (loss.ts) pushes the chosen answer's implicit reward
 * above the rejected one's. The same loop trains the reference-free SimPO and ORPO
 * (simpo-loss.ts, orpo-loss.ts), which score answers by the policy's own per-token log-probs.
 *
 * Sequence log-probs are sums over the response tokens (the end token included) through the chat
 * template. The reference is the starting model, frozen: its log-probs of every pair are computed
 * once, before the first step, so no second model is kept in memory — and not at all for the
 * reference-free losses, which spare that forward pass over every pair.
 */
import type { PairRecord } from '../../data/ranking.js';
import type { LoraAdapters } from '../../model/lora.js';
import type { Transformer } from '../../model/transformer.js';
import { clipGradNorm } from '../../optim/index.js';
import * as T from '../../tensor/index.js';
import { encodeChat } from '../../tokenizer/chat-template.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import { Progress } from '../../util/progress.js';
import { type Sequence, truncate } from '../common/batch.js';
import { finishLora, startLora } from '../common/lora.js';
import { accumulateGradients, microBatches, passRows } from '../common/micro-batches.js';
import { flatPairs } from '../common/preference-data.js';
import { assertFinite, RunLog } from '../common/run-log.js';
import { scheduledAdamW } from '../common/scheduled-adamw.js';
import { noGradBatches, sequenceLogProbs } from '../common/sequence-log-probs.js';
import { batchIndices, splitIndices } from '../common/shuffle-batches.js';
import { loadTrainState, saveTrainState } from '../common/train-state.js';
import type { RankedPrompt } from '../reward/data.js';
import { type DpoConfig, usesReference } from './config.js';
import {
  type DpoMetrics,
  dpoMetrics,
  joinTerms,
  type PairLogProbs,
  type PairMetrics,
  pairMetrics,
  preferenceTerms,
  type ScoredPairs,
} from './objective.js';

/** One preference pair, tokenised through the chat template. */
export interface EncodedPair {
  chosen: Sequence;
  rejected: Sequence;
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
  heldout: PairMetrics;
  /** A LoRA run's adapters, already merged into the model (for adapter.safetensors). */
  lora?: LoraAdapters;
}

export function encodePairs(tok: Tokenizer, pairs: readonly PairRecord[], maxLength: number): EncodedPair[] {
  return pairs.map((p) => ({
    chosen: truncate(encodeChat(tok, p.prompt, p.chosen), maxLength),
    rejected: truncate(encodeChat(tok, p.prompt, p.rejected), maxLength),
  }));
}

/**
 * Summed response log-probs of a batch of pairs, differentiable, with their response-token
 * counts: the n chosen and the n rejected answers are the 2n sequences of one packed forward pass.
 */
export function pairLogProbs(
  model: Transformer,
  pairs: readonly EncodedPair[],
  padId: number,
): ScoredPairs<T.Tensor> {
  const n = pairs.length;
  const { logProbs, tokens } = sequenceLogProbs(
    model,
    [...pairs.map((p) => p.chosen), ...pairs.map((p) => p.rejected)],
    padId,
  );
  return {
    chosen: T.slice(logProbs, 0, 0, n),
    rejected: T.slice(logProbs, 0, n, 2 * n),
    chosenTokens: tokens.subarray(0, n),
    rejectedTokens: tokens.subarray(n, 2 * n),
  };
}

/** The same log-probs as numbers, without gradients, batch by batch (the reference's; held-out pairs'). */
export function pairLogProbsNoGrad(
  model: Transformer,
  pairs: readonly EncodedPair[],
  padId: number,
  batchSize: number,
): PairLogProbs {
  const out: PairLogProbs = {
    chosen: new Float32Array(pairs.length),
    rejected: new Float32Array(pairs.length),
    chosenTokens: new Float32Array(pairs.length),
    rejectedTokens: new Float32Array(pairs.length),
  };
  noGradBatches(pairs.length, batchSize, (from, to) => {
    const lp = pairLogProbs(model, pairs.slice(from, to), padId);
    out.chosen.set(lp.chosen.data, from);
    out.rejected.set(lp.rejected.data, from);
    out.chosenTokens.set(lp.chosenTokens, from);
    out.rejectedTokens.set(lp.rejectedTokens, from);
  });
  return out;
}

/** The rows `rows` of every field. */
function pickPairs(x: PairLogProbs, rows: readonly number[]): PairLogProbs {
  const pick = (v: Float32Array) => Float32Array.from(rows, (r) => v[r]);
  return {
    chosen: pick(x.chosen),
    rejected: pick(x.rejected),
    chosenTokens: pick(x.chosenTokens),
    rejectedTokens: pick(x.rejectedTokens),
  };
}

/**
 * Trains `model` in place on the pairs of `data` with `cfg.lossType`; for the losses with a reference the
 * reference is `model` as given. With `cfg.lora.rank` > 0 only LoRA adapters train, attached after
 * the reference's log-probs are taken (so from the base model itself) and merged in at the end.
 */
export function trainDpo(
  model: Transformer,
  tok: Tokenizer,
  data: readonly RankedPrompt[],
  cfg: DpoConfig,
  options: { log?: RunLog; quiet?: boolean } = {},
): DpoResult {
  const log = options.log ?? new RunLog(null);
  const padId = tok.padId ?? 0;
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

  // the frozen reference: the starting model's log-probs of every pair, computed once (if needed)
  const reference = usesReference(cfg.lossType);
  const scoringPairs = passRows(cfg.batchPairs, cfg.microBatch);
  const refTrain = reference ? pairLogProbsNoGrad(model, train, padId, scoringPairs) : null;
  const refHeldout = reference ? pairLogProbsNoGrad(model, heldout, padId, scoringPairs) : null;

  const steps = Math.max(1, Math.ceil((cfg.epochs * train.length) / cfg.batchPairs));
  const lora = startLora(model, cfg.lora, cfg.seed, options.quiet);
  const { opt, lrAt } = scheduledAdamW(model, cfg, steps);
  // the per-step metrics so far travel with the saved state: the result averages the last tenth
  const saved = cfg.resume
    ? loadTrainState<{ metrics: DpoMetrics[] }>(cfg.out, [{ name: 'policy', model, opt }])
    : null;
  const startStep = saved?.step ?? 0;
  const evalHeldout = (): PairMetrics =>
    dpoMetrics(cfg, pairLogProbsNoGrad(model, heldout, padId, scoringPairs), refHeldout);

  const progress = new Progress('dpo', steps, process.stderr, options.quiet);
  const recent: DpoMetrics[] = saved?.extra.metrics ?? [];
  for (let step = startStep; step < steps; step++) {
    model.lora?.dropoutStep(cfg.seed, step); // LoRA dropout's masks for this step's passes
    // 1. a batch of pairs (pass by pass): chosen and rejected answers in one forward pass
    const rows = batchIndices(train.length, cfg.batchPairs, cfg.seed, step);
    // 2. response log-probs, the preference loss (against the reference's, where it has one), backward
    const { loss, results, shares } = accumulateGradients(
      microBatches(rows, cfg.microBatch),
      (pass) => pass.length, // every loss is a mean over pairs
      (pass) => {
        const lp = pairLogProbs(
          model,
          pass.map((r) => train[r]),
          padId,
        );
        const { loss, ...values } = preferenceTerms(cfg, lp, refTrain && pickPairs(refTrain, pass));
        return { loss, result: values };
      },
    );
    const m = pairMetrics(loss, joinTerms(results, shares));
    // 3. clip and step
    const gradNorm = clipGradNorm([...model.trainableParams().values()], cfg.gradClip);
    assertFinite(step + 1, { loss: m.loss, grad_norm: gradNorm }, log);
    opt.lr = lrAt(step);
    opt.step();
    opt.zeroGrad();

    recent.push({ loss: m.loss, margin: m.margin, accuracy: m.accuracy });
    const record: Record<string, number> = {
      step: step + 1,
      loss: m.loss,
      margin: m.margin,
      accuracy: m.accuracy,
      // each loss's own rewards of the chosen and rejected answers (DPO: β·(log π − log π_ref))
      chosen_reward: m.chosenReward,
      rejected_reward: m.rejectedReward,
      ...m.parts,
      lr: opt.lr,
      grad_norm: gradNorm,
    };
    if (heldout.length > 0 && ((step + 1) % cfg.evalEvery === 0 || step + 1 === steps)) {
      const h = evalHeldout();
      record.heldout_loss = h.loss;
      record.heldout_margin = h.margin;
      record.heldout_accuracy = h.accuracy;
      for (const [k, v] of Object.entries(h.parts)) record[`heldout_${k}`] = v;
    }
    log.write(record);
    progress.update(step + 1, `loss ${m.loss.toFixed(3)} margin ${m.margin.toFixed(3)}`);
    if (cfg.saveEvery > 0 && (step + 1) % cfg.saveEvery === 0 && step + 1 < steps)
      saveTrainState(cfg.out, step + 1, [{ name: 'policy', model, opt }], { metrics: recent });
  }
  const tail = recent.slice(-Math.max(1, Math.ceil(recent.length / 10)));
  const avg = (k: keyof DpoMetrics) =>
    tail.length ? tail.reduce((a, r) => a + r[k], 0) / tail.length : Number.NaN;
  return finishLora(model, lora, {
    steps,
    trainPairs: train.length,
    heldoutPairs: heldout.length,
    droppedPairs,
    finalTrain: { loss: avg('loss'), margin: avg('margin'), accuracy: avg('accuracy') },
    heldout: evalHeldout(),
  });
}
