/**
 * Step 2 of RLHF: a reward model learned from people's rankings.
 *
 * The RM is the SFT transformer with a scalar head read at the last real token, where its
 * unembedding was read (the unembedding stays, for the optional language-model term of
 * lm-regularizer.ts). Each step takes a few ranked prompts, scores every candidate once, and
 * applies the ranking loss to all pairs of each prompt together (loss.ts). Held-out accuracy is
 * measured on whole held-out rankings. Finally the head is shifted so demonstrations score
 * mean 0, which keeps PPO's rewards centred.
 */
import type { LoraAdapters } from '../../model/lora.js';
import type { Transformer } from '../../model/transformer.js';
import { clipGradNorm } from '../../optim/index.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import { Progress } from '../../util/progress.js';
import { packRight, type SequenceBatch } from '../common/batch.js';
import { finishLora, startLora } from '../common/lora.js';
import { accumulateGradients, joinPasses, microBatches, sharedMeans } from '../common/micro-batches.js';
import { assertFinite, RunLog } from '../common/run-log.js';
import { scheduledAdamW } from '../common/scheduled-adamw.js';
import { batchIndices, splitIndices } from '../common/shuffle-batches.js';
import { loadTrainState, saveTrainState } from '../common/train-state.js';
import type { RewardConfig } from './config.js';
import type { RankedPrompt } from './data.js';
import type { RankedGroup } from './loss.js';
import { rankingPass } from './ranking-pass.js';
import { encodeAnswers, orderedShare, pairwiseAccuracy, scoreAnswers } from './score.js';

export interface RewardResult {
  steps: number;
  trainAccuracy: number;
  heldoutAccuracy: number;
  heldoutPairs: number;
  /** The demonstrations' mean score before the shift (0 after it), when normalised. */
  normalizationShift: number | null;
  heldout: RankedPrompt[];
  /** A LoRA run's adapters, already merged into the model (for adapter.safetensors). */
  lora?: LoraAdapters;
}

/** Ranked prompts as one packed batch: every candidate a sequence, each prompt's sequences in order. */
function rankingBatch(
  tok: Tokenizer,
  rankings: readonly RankedPrompt[],
  maxLength: number,
  contextLength: number,
): { batch: SequenceBatch; groups: RankedGroup[] } {
  const groups: RankedGroup[] = [];
  const prompts: string[] = [];
  const answers: string[] = [];
  for (const r of rankings) {
    groups.push({ offset: answers.length, candidates: r.candidates.length, pairs: r.pairs });
    for (const c of r.candidates) {
      prompts.push(r.prompt);
      answers.push(c);
    }
  }
  const batch = packRight(encodeAnswers(tok, prompts, answers, maxLength), tok.padId ?? 0, contextLength);
  return { batch, groups };
}

/**
 * Trains `rm` (a transformer with a scalar head) in place: every weight, or with `cfg.lora.rank` > 0
 * LoRA adapters and the head, the adapters merged into the weights at the end.
 * `demosForNormalization`: prompt/response pairs whose mean score is moved to 0 at the end.
 */
export function trainRewardModel(
  rm: Transformer,
  tok: Tokenizer,
  data: readonly RankedPrompt[],
  cfg: RewardConfig,
  options: {
    log?: RunLog;
    quiet?: boolean;
    demosForNormalization?: { prompt: string; response: string }[];
  } = {},
): RewardResult {
  if (!rm.hasScalarHead) throw new Error('trainRewardModel: the model needs a scalar head');
  const log = options.log ?? new RunLog(null);
  const withPairs = data.filter((d) => d.pairs.length > 0);
  const split = splitIndices(withPairs.length, cfg.heldoutFraction, cfg.seed);
  const train = split.train.map((i) => withPairs[i]);
  const heldout = split.heldout.map((i) => withPairs[i]);
  const steps = Math.max(1, Math.ceil((cfg.epochs * train.length) / cfg.batchPrompts));

  const lora = startLora(rm, cfg.lora, cfg.seed, options.quiet);
  const { opt, lrAt } = scheduledAdamW(rm, cfg, steps);
  // the running train accuracy's counts travel with the saved state
  const saved = cfg.resume
    ? loadTrainState<{ correct: number; seen: number }>(cfg.out, [{ name: 'rm', model: rm, opt }])
    : null;
  const startStep = saved?.step ?? 0;
  let correct = saved?.extra.correct ?? 0;
  let seen = saved?.extra.seen ?? 0;

  const progress = new Progress('reward model', steps, process.stderr, options.quiet);
  for (let step = startStep; step < steps; step++) {
    rm.lora?.dropoutStep(cfg.seed, step); // LoRA dropout's masks for this step's passes
    // 1. a few ranked prompts (pass by pass); every candidate of each becomes one row, groups contiguous
    const chosen = batchIndices(train.length, cfg.batchPrompts, cfg.seed, step).map((i) => train[i]);
    // 2. one forward pass per candidate; the ranking loss over all of each prompt's pairs
    const { loss, results, shares } = accumulateGradients(
      microBatches(chosen, cfg.microBatch),
      (rankings) => rankings.length, // the loss is a mean over ranked prompts
      (rankings) => {
        const { batch, groups } = rankingBatch(tok, rankings, cfg.maxLength, rm.config.contextLength);
        const { loss, scores, lm } = rankingPass(rm, batch, groups, cfg);
        return { loss, result: { scores: Float32Array.from(scores.data), lm: lm === null ? {} : { lm } } };
      },
    );
    const scores = joinPasses(results.map((r) => r.scores));
    // 3. clip and step
    const gradNorm = clipGradNorm([...rm.trainableParams().values()], cfg.gradClip);
    assertFinite(step + 1, { loss, grad_norm: gradNorm }, log);
    opt.lr = lrAt(step);
    opt.step();
    opt.zeroGrad();

    // ties count half, as on the held-out rankings
    const ordered = orderedShare(
      scores,
      chosen.map((r) => ({ size: r.candidates.length, pairs: r.pairs })),
    );
    if (ordered.pairs > 0) {
      correct += ordered.accuracy * ordered.pairs;
      seen += ordered.pairs;
    }
    const record: Record<string, number> = {
      step: step + 1,
      loss,
      lr: opt.lr,
      grad_norm: gradNorm,
      train_accuracy: correct / seen,
    };
    // the language-model term's own value (unscaled; `loss` holds it times lmCoef)
    const { lm } = sharedMeans(
      results.map((r) => r.lm),
      shares,
    );
    if (lm !== undefined) record.lm_loss = lm;
    if (heldout.length > 0 && ((step + 1) % cfg.evalEvery === 0 || step + 1 === steps)) {
      record.heldout_accuracy = pairwiseAccuracy(rm, tok, heldout, cfg.maxLength).accuracy;
    }
    log.write(record);
    progress.update(step + 1, `loss ${loss.toFixed(3)} acc ${(correct / seen).toFixed(2)}`);
    if (cfg.saveEvery > 0 && (step + 1) % cfg.saveEvery === 0 && step + 1 < steps)
      saveTrainState(cfg.out, step + 1, [{ name: 'rm', model: rm, opt }], { correct, seen });
  }

  // 4. centre: demonstrations score mean 0 (a constant shift changes no ranking)
  let shift: number | null = null;
  const demos = options.demosForNormalization;
  if (demos && demos.length > 0) {
    const s = scoreAnswers(
      rm,
      tok,
      demos.map((d) => d.prompt),
      demos.map((d) => d.response),
      cfg.maxLength,
    );
    shift = s.reduce((a, b) => a + b, 0) / s.length;
    rm.params.get('scalar_head.bias')!.data[0] -= shift;
  }
  const held =
    heldout.length > 0
      ? pairwiseAccuracy(rm, tok, heldout, cfg.maxLength)
      : { accuracy: Number.NaN, pairs: 0 };
  return finishLora(rm, lora, {
    steps,
    trainAccuracy: seen > 0 ? correct / seen : Number.NaN,
    heldoutAccuracy: held.accuracy,
    heldoutPairs: held.pairs,
    normalizationShift: shift,
    heldout,
  });
}
