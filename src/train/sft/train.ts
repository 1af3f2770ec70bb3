/**
 * Step 1 of RLHF: supervised fine-tuning (imitation learning) on demonstrations, and the
 * language-model training loop it shares with pretraining.
 * Next-token cross-entropy on the response tokens only — the prompt is given, not learned (unless
 * `completionOnlyLoss` is off) — through the one chat template (tokenizer/chat-template.ts) that
 * sampling and scoring also use.
 */
import type { SftExample } from '../../data/demo-file.js';
import type { LoraAdapters } from '../../model/lora.js';
import type { Transformer } from '../../model/transformer.js';
import { clipGradNorm } from '../../optim/index.js';
import { encodeChat } from '../../tokenizer/chat-template.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import { Progress } from '../../util/progress.js';
import { Rng } from '../../util/rng.js';
import { packRight, type Sequence, truncate } from '../common/batch.js';
import { finishLora, startLora } from '../common/lora.js';
import { accumulateGradients, microBatches, passRows } from '../common/micro-batches.js';
import { textSequence } from '../common/prompt-data.js';
import { assertFinite, RunLog } from '../common/run-log.js';
import { scheduledAdamW } from '../common/scheduled-adamw.js';
import { batchIndices, splitIndices } from '../common/shuffle-batches.js';
import { meanPerTrainedToken } from '../common/token-mean.js';
import { loadTrainState, saveTrainState } from '../common/train-state.js';
import { trainedTokenNll, trainedTokens } from '../common/trained-tokens.js';
import type { SftConfig } from './config.js';

/** The knobs of the loop (SftConfig has them all; pretraining's config too). */
export type LoopConfig = Pick<
  SftConfig,
  | 'out'
  | 'steps'
  | 'batchSize'
  | 'microBatch'
  | 'lr'
  | 'minLrRatio'
  | 'warmupSteps'
  | 'weightDecay'
  | 'gradClip'
  | 'evalEvery'
  | 'saveEvery'
  | 'resume'
  | 'seed'
> &
  Partial<Pick<SftConfig, 'neftuneAlpha'>>;

export interface SftResult {
  steps: number;
  /** Mean training loss over the last 10 % of steps. */
  finalTrainLoss: number;
  /** Mean loss per response token on the held-out demonstrations (NaN when none are held out). */
  heldoutLoss: number;
  /** A LoRA run's adapters, already merged into the model (for adapter.safetensors). */
  lora?: LoraAdapters;
}

/** Mean response-token loss over `seqs` (no gradients), batch by batch. */
export function responseLoss(
  model: Transformer,
  seqs: readonly Sequence[],
  padId: number,
  batchSize: number,
): number {
  return meanPerTrainedToken(seqs, padId, model.config.contextLength, batchSize, (batch) => {
    const tokens = trainedTokens(batch);
    const sum = trainedTokenNll(model, batch, tokens, { reduction: 'sum' }).item();
    return { sum, tokens: tokens.targets.length };
  });
}

// NEFTune's draws get their own stream, apart from the batches' shuffling
const NEFTUNE_STREAM = 0x4e454654;

/**
 * Encodes demonstrations through the chat template and trains on their response tokens (texts: on
 * all of them) — every weight, or with `cfg.lora.rank` > 0 LoRA adapters, merged into the weights
 * at the end.
 */
export function trainSft(
  model: Transformer,
  tok: Tokenizer,
  examples: readonly SftExample[],
  cfg: SftConfig,
  options: { log?: RunLog; quiet?: boolean } = {},
): SftResult {
  const seqs = examples.map((e) => {
    if (!('response' in e)) return textSequence(tok, e.text, cfg.maxLength); // a text: every token, cut at maxLength
    const seq = truncate(encodeChat(tok, e.prompt, e.response), cfg.maxLength);
    return cfg.completionOnlyLoss ? seq : { ...seq, responseStart: 0 }; // 0: every token is learned
  });
  const split = splitIndices(seqs.length, cfg.heldoutFraction, cfg.seed);
  const lora = startLora(model, cfg.lora, cfg.seed, options.quiet);
  const result = trainLanguageModel(
    model,
    split.train.map((i) => seqs[i]),
    split.heldout.map((i) => seqs[i]),
    tok.padId ?? 0,
    cfg,
    { ...options, label: 'sft' },
  );
  return finishLora(model, lora, result);
}

/**
 * The training loop: next-token cross-entropy on each sequence's tokens from `responseStart` on.
 * SFT passes chat-encoded demonstrations (the prompt is given, not learned); pretraining passes
 * sequences with responseStart 0 (every token is learned).
 */
export function trainLanguageModel(
  model: Transformer,
  train: readonly Sequence[],
  heldout: readonly Sequence[],
  padId: number,
  cfg: LoopConfig,
  options: { log?: RunLog; quiet?: boolean; label?: string } = {},
): SftResult {
  const log = options.log ?? new RunLog(null);
  const { opt, lrAt } = scheduledAdamW(model, cfg, cfg.steps);
  // the losses so far travel with the saved state: the final train loss averages the last tenth
  const saved = cfg.resume
    ? loadTrainState<{ losses: number[] }>(cfg.out, [{ name: 'model', model, opt }])
    : null;
  const startStep = saved?.step ?? 0;
  const recent: number[] = saved?.extra.losses ?? [];
  const neftuneAlpha = cfg.neftuneAlpha ?? 0;

  const progress = new Progress(options.label ?? 'train', cfg.steps, process.stderr, options.quiet);
  for (let step = startStep; step < cfg.steps; step++) {
    model.lora?.dropoutStep(cfg.seed, step); // LoRA dropout's masks for this step's passes
    // 1. a batch of sequences, packed side by side (pass by pass); targets are the trained tokens, shifted by one
    const rows = batchIndices(train.length, cfg.batchSize, cfg.seed, step).map((i) => train[i]);
    const passes = microBatches(rows, cfg.microBatch).map((seqs) => {
      const batch = packRight(seqs, padId, model.config.contextLength);
      return { batch, tokens: trainedTokens(batch) };
    });
    // 2. forward (NEFTune's noise on the embeddings, when asked), mean loss per trained token,
    //    backward (each pass's activations freed after it)
    const embeddingNoise =
      neftuneAlpha > 0 ? { alpha: neftuneAlpha, rng: Rng.forStep(cfg.seed, NEFTUNE_STREAM, step) } : null;
    const { loss } = accumulateGradients(
      passes,
      (p) => p.tokens.targets.length,
      (p) => ({
        loss: trainedTokenNll(model, p.batch, p.tokens, { forward: { embeddingNoise }, reduction: 'mean' }),
        result: null,
      }),
    );
    // 3. clip and step
    const gradNorm = clipGradNorm([...model.trainableParams().values()], cfg.gradClip);
    assertFinite(step + 1, { loss, grad_norm: gradNorm }, log);
    opt.lr = lrAt(step);
    opt.step();
    opt.zeroGrad();

    recent.push(loss);
    const record: Record<string, number> = { step: step + 1, loss, lr: opt.lr, grad_norm: gradNorm };
    if ((step + 1) % cfg.evalEvery === 0 || step + 1 === cfg.steps) {
      record.heldout_loss = responseLoss(model, heldout, padId, passRows(cfg.batchSize, cfg.microBatch));
    }
    log.write(record);
    progress.update(step + 1, `loss ${loss.toFixed(3)}`);
    if (cfg.saveEvery > 0 && (step + 1) % cfg.saveEvery === 0 && step + 1 < cfg.steps) {
      saveTrainState(cfg.out, step + 1, [{ name: 'model', model, opt }], { losses: recent });
    }
  }
  const tail = recent.slice(-Math.max(1, Math.ceil(recent.length / 10)));
  return {
    steps: cfg.steps,
    finalTrainLoss: tail.length ? tail.reduce((a, b) => a + b, 0) / tail.length : Number.NaN,
    heldoutLoss: responseLoss(model, heldout, padId, passRows(cfg.batchSize, cfg.microBatch)),
  };
}
