/**
 * Kahneman–Tversky optimisation (Ethayarajh et al. 2024): the policy learns from answers marked
 * desirable or undesirable one at a time — no pairs, no reward model, no sampling. An answer's
 * implicit reward is β·(log π(y|x) − log π_ref(y|x)); the loss (loss.ts) pushes desirable answers'
 * rewards above a reference point z₀ and undesirable ones' below it, z₀ being the policy's
 * estimated KL from the reference: its log-ratio on answers scored under prompts they were not
 * written for (each example's mismatched answer, data.ts), so that raising every answer alike buys
 * nothing.
 *
 * Sequence log-probs are sums over the response tokens (the end token included) through the chat
 * template, as in DPO. The reference is the starting model, frozen: its log-probs of every example
 * and of every mismatched sequence are computed once, before the first step, so no second model is
 * kept in memory.
 */
import type { LoraAdapters } from '../../model/lora.js';
import type { Transformer } from '../../model/transformer.js';
import { clipGradNorm } from '../../optim/index.js';
import { encodeChat } from '../../tokenizer/chat-template.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import { Progress } from '../../util/progress.js';
import { type Sequence, truncate } from '../common/batch.js';
import { finishLora, startLora } from '../common/lora.js';
import { accumulateGradients, joinPasses, microBatches, passRows } from '../common/micro-batches.js';
import { RunInputError } from '../common/run-input.js';
import { assertFinite, RunLog } from '../common/run-log.js';
import { scheduledAdamW } from '../common/scheduled-adamw.js';
import { sequenceLogProbs, sequenceLogProbsNoGrad } from '../common/sequence-log-probs.js';
import { batchIndices } from '../common/shuffle-batches.js';
import { loadTrainState, saveTrainState } from '../common/train-state.js';
import type { KtoConfig } from './config.js';
import { type FeedbackExample, mismatchPartners, splitByPrompt } from './data.js';
import { klReferencePoint, ktoLoss } from './loss.js';
import {
  averageMetrics,
  type KtoMetrics,
  ktoMetrics,
  metricsRecord,
  type ScoredExamples,
  scoredMetrics,
} from './metrics.js';

/** Examples tokenised through the chat template, each with its mismatched sequence (its prompt, another's answer). */
interface EncodedExamples {
  seqs: Sequence[];
  mismatched: Sequence[];
  desirable: boolean[];
}

export interface KtoResult {
  steps: number;
  trainExamples: number;
  heldoutExamples: number;
  /** Examples dropped because truncation left the answer without tokens. */
  droppedExamples: number;
  /** Metrics on the training batches over the last 10 % of steps. */
  finalTrain: KtoMetrics;
  /** Metrics on the held-out examples at the end (NaN when none are held out). */
  heldout: KtoMetrics;
  /** A LoRA run's adapters, already merged into the model (for adapter.safetensors). */
  lora?: LoraAdapters;
}

/** The training and held-out examples, tokenised, with their mismatched sequences. */
interface PreparedExamples {
  train: EncodedExamples;
  heldout: EncodedExamples;
  /** Examples dropped because truncation left the answer without tokens. */
  dropped: number;
}

/**
 * Splits `examples` by prompt (so no answer to a held-out prompt is ever trained on), tokenises
 * them and gives each its mismatched answer: the training examples' from among themselves, the
 * held-out ones' from either set (only to measure their KL: no gradient flows through it).
 */
function prepareExamples(
  tok: Tokenizer,
  examples: readonly FeedbackExample[],
  cfg: KtoConfig,
  source: string,
): PreparedExamples {
  const encode = (prompt: string, answer: string) => truncate(encodeChat(tok, prompt, answer), cfg.maxLength);
  const seqs = examples.map((e) => encode(e.prompt, e.completion));
  const split = splitByPrompt(examples, cfg.heldoutFraction, cfg.seed);
  const withAnswer = (rows: number[]) => rows.filter((i) => seqs[i].ids.length > seqs[i].responseStart);
  const trainRows = withAnswer(split.train);
  const heldoutRows = withAnswer(split.heldout);
  const dropped = examples.length - trainRows.length - heldoutRows.length;
  if (trainRows.length === 0)
    throw new RunInputError(
      `${source}: no example to train on${dropped > 0 ? ` (every answer was cut away by --maxLength ${cfg.maxLength})` : ''}`,
    );
  // `targets` with the answers of their partners among [...targets, ...pool]
  const withMismatched = (targets: number[], pool: number[]): EncodedExamples | null => {
    const all = [...targets, ...pool];
    const partners = mismatchPartners(
      all.map((i) => examples[i].prompt),
      cfg.seed,
      targets.length,
    );
    if (partners === null) return null;
    return {
      seqs: targets.map((i) => seqs[i]),
      mismatched: targets.map((i, k) => encode(examples[i].prompt, examples[all[partners[k]]].completion)),
      desirable: targets.map((i) => examples[i].desirable),
    };
  };
  const train = withMismatched(trainRows, []);
  if (train === null)
    throw new RunInputError(
      `${source}: every training example answers the same prompt; KTO's reference point needs answers to other prompts to score under it`,
    );
  // held-out prompts differ from the training ones, so every held-out example finds a partner
  return { train, heldout: withMismatched(heldoutRows, trainRows)!, dropped };
}

/** The reference's (or the policy's, without gradients) log-probs of a set of examples and of their mismatched sequences. */
function scoreExamples(
  model: Transformer,
  set: EncodedExamples,
  padId: number,
  batchSize: number,
): ScoredExamples {
  return {
    logProbs: sequenceLogProbsNoGrad(model, set.seqs, padId, batchSize).logProbs,
    mismatched: sequenceLogProbsNoGrad(model, set.mismatched, padId, batchSize).logProbs,
  };
}

const pick = (x: Float32Array, rows: readonly number[]) => Float32Array.from(rows, (r) => x[r]);

/**
 * Trains `model` in place on `examples` with the KTO loss; the reference is `model` as given. With
 * `cfg.lora.rank` > 0 only LoRA adapters train, attached after the reference's log-probs are taken
 * (so from the base model itself) and merged in at the end.
 * `source` names the data in errors (the command: `--data FILE`).
 */
export function trainKto(
  model: Transformer,
  tok: Tokenizer,
  examples: readonly FeedbackExample[],
  cfg: KtoConfig,
  options: { log?: RunLog; quiet?: boolean; source?: string } = {},
): KtoResult {
  const log = options.log ?? new RunLog(null);
  const padId = tok.padId ?? 0;
  // the examples, split by prompt and tokenised, each with its mismatched sequence, once
  const { train, heldout, dropped } = prepareExamples(tok, examples, cfg, options.source ?? 'the data');
  // the frozen reference: the starting model's log-probs of every example and mismatched sequence, once
  const scoringRows = passRows(cfg.batchSize, cfg.microBatch);
  const refTrain = scoreExamples(model, train, padId, scoringRows);
  const refHeldout = scoreExamples(model, heldout, padId, scoringRows);

  const n = train.seqs.length;
  const steps = Math.max(1, Math.ceil((cfg.epochs * n) / cfg.batchSize));
  const lora = startLora(model, cfg.lora, cfg.seed, options.quiet);
  const { opt, lrAt } = scheduledAdamW(model, cfg, steps);
  // the per-step metrics so far travel with the saved state: the result averages the last tenth
  const saved = cfg.resume
    ? loadTrainState<{ metrics: KtoMetrics[] }>(cfg.out, [{ name: 'policy', model, opt }])
    : null;
  const startStep = saved?.step ?? 0;
  const evalHeldout = (): KtoMetrics =>
    scoredMetrics(scoreExamples(model, heldout, padId, scoringRows), refHeldout, heldout.desirable, cfg);

  const progress = new Progress('kto', steps, process.stderr, options.quiet);
  const recent: KtoMetrics[] = saved?.extra.metrics ?? [];
  for (let step = startStep; step < steps; step++) {
    model.lora?.dropoutStep(cfg.seed, step); // LoRA dropout's masks for this step's passes
    // 1. a batch of examples, desirable and undesirable mixed as they come
    const rows = batchIndices(n, cfg.batchSize, cfg.seed, step);
    const desirable = rows.map((r) => train.desirable[r]);
    // 2. the reference point z₀: the policy's log-ratio on the batch's mismatched sequences, without gradients
    const policyMismatched = sequenceLogProbsNoGrad(
      model,
      rows.map((r) => train.mismatched[r]),
      padId,
      scoringRows,
    ).logProbs;
    const z0 = klReferencePoint(policyMismatched, pick(refTrain.mismatched, rows));
    // 3. the examples' response log-probs (pass by pass), the KTO loss against the batch's z₀, backward
    const { loss, results } = accumulateGradients(
      microBatches(rows, cfg.microBatch),
      (pass) => pass.length, // the loss is a mean over examples
      (pass) => {
        const { logProbs } = sequenceLogProbs(
          model,
          pass.map((r) => train.seqs[r]),
          padId,
        );
        const kinds = pass.map((r) => train.desirable[r]);
        const { loss, rewards } = ktoLoss(logProbs, pick(refTrain.logProbs, pass), kinds, z0, cfg);
        return { loss, result: rewards };
      },
    );
    const m = ktoMetrics(loss, joinPasses(results), desirable, z0, cfg.beta);
    // 4. clip and step
    const gradNorm = clipGradNorm([...model.trainableParams().values()], cfg.gradClip);
    assertFinite(step + 1, { loss: m.loss, kl: m.kl, grad_norm: gradNorm }, log);
    opt.lr = lrAt(step);
    opt.step();
    opt.zeroGrad();

    recent.push(m);
    const record: Record<string, number> = {
      step: step + 1,
      ...metricsRecord(m),
      lr: opt.lr,
      grad_norm: gradNorm,
    };
    if (heldout.seqs.length > 0 && ((step + 1) % cfg.evalEvery === 0 || step + 1 === steps))
      Object.assign(record, metricsRecord(evalHeldout(), 'heldout_'));
    log.write(record);
    progress.update(step + 1, `loss ${m.loss.toFixed(3)} kl ${m.kl.toFixed(3)}`);
    if (cfg.saveEvery > 0 && (step + 1) % cfg.saveEvery === 0 && step + 1 < steps)
      saveTrainState(cfg.out, step + 1, [{ name: 'policy', model, opt }], { metrics: recent });
  }
  return finishLora(model, lora, {
    steps,
    trainExamples: n,
    heldoutExamples: heldout.seqs.length,
    droppedExamples: dropped,
    finalTrain: averageMetrics(recent.slice(-Math.max(1, Math.ceil(recent.length / 10)))),
    heldout: evalHeldout(),
  });
}
