/**
 * `rein recipe hh-rlhf`: a reward model on real human preferences (Anthropic HH-RLHF, harmless),
 * from nothing but the file, on a CPU, in minutes — and the bag-of-words baseline it must beat.
 *
 *   1. split      the first `trainPairs` lines train, the last `validationPairs` lines validate;
 *                 a slice of the training lines (`tuneFraction`) picks the RM checkpoint
 *   2. baseline   bag-of-words logistic regression on the final replies (eval/bag-of-words.ts)
 *   3. tokenizer  byte-level BPE learned on the training dialogues
 *   4. pretrain   the trunk learns next-token prediction on the training dialogues (both replies,
 *                 no labels): the only language it will ever know
 *   5. RM         scalar head at the reply's end token, ranking loss (ranked-rm.ts); each
 *                 exchange is the END of the dialogue plus the reply (keep-last.ts)
 *   6. report     validation accuracy of the RM and of the baseline, once each
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { bagOfWordsAccuracy, topWords, trainBagOfWords } from '../eval/bag-of-words.js';
import { type Interval, wilson } from '../eval/interval.js';
import { saveCheckpoint } from '../model/checkpoint.js';
import { resolveModelConfig } from '../model/config.js';
import { Transformer } from '../model/transformer.js';
import { BpeTokenizer } from '../tokenizer/bpe.js';
import { encodeChat } from '../tokenizer/chat-template.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { type Sequence, truncate } from '../train/common/batch.js';
import { RunInputError, readInputFile } from '../train/common/run-input.js';
import { RunLog } from '../train/common/run-log.js';
import { splitIndices } from '../train/common/shuffle-batches.js';
import { trainLanguageModel } from '../train/sft/train.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { Rng } from '../util/rng.js';
import type { HhRecipeConfig } from './hh-rlhf-config.js';
import { type Exchange, type HhPreference, readHhSplit } from './hh-split.js';
import { encodeKeepingLast } from './keep-last.js';
import { type RankedSequences, rankedAccuracy, trainRankedRm } from './ranked-rm.js';

export interface HhRecipeResult {
  /** Pairwise accuracy of the reward model on the validation pairs. */
  accuracy: number;
  /** Validation pairs. */
  n: number;
  /** Pairwise accuracy of the bag-of-words baseline on the same pairs. */
  baseline_accuracy: number;
  /** 95 % (Wilson) intervals of the two accuracies: n pairs, each right or wrong. */
  accuracy_ci95: Interval;
  baseline_accuracy_ci95: Interval;
  train_pairs: number;
  tune_pairs: number;
  /** RM accuracy on the tuning slice at the kept checkpoint (what picked it). */
  tune_accuracy: number;
  /** RM step of the kept checkpoint, of rm_steps. */
  rm_best_step: number;
  rm_steps: number;
  pretrain_heldout_loss: number;
  parameters: number;
  baseline_lambda: number;
  baseline_top_words: { better: string[]; worse: string[] };
  seconds: number;
}

/** A pair's two exchanges, each fitted into the context (chosen first). */
function encodePair(tok: Tokenizer, p: HhPreference, cfg: HhRecipeConfig): [Sequence, Sequence] {
  const fit = { contextLength: cfg.contextLength, maxAnswerTokens: cfg.maxAnswerTokens };
  const one = (e: Exchange) =>
    cfg.maxAnswerTokens === 0
      ? truncate(encodeChat(tok, e.prompt, e.answer), cfg.contextLength)
      : encodeKeepingLast(tok, e.prompt, e.answer, fit);
  return [one(p.chosen), one(p.rejected)];
}

/** A pair as a K = 2 ranking: the chosen exchange (row 0) above the rejected one (row 1). */
const asRanking = (pair: [Sequence, Sequence]): RankedSequences => ({
  seqs: pair,
  pairs: [{ winner: 0, loser: 1 }],
});

/** Runs the whole recipe; writes `out/rm`, `out/base`, `out/log.jsonl` and `out/result.json`. */
export function runHhRecipe(cfg: HhRecipeConfig, options: { quiet?: boolean } = {}): HhRecipeResult {
  const t0 = Date.now();
  const say = (m: string) => {
    if (!options.quiet) console.error(`recipe hh-rlhf: ${m}`);
  };
  if (cfg.maxAnswerTokens !== 0 && cfg.maxAnswerTokens >= cfg.contextLength)
    throw new RunInputError(
      `--maxAnswerTokens ${cfg.maxAnswerTokens} must be below --contextLength ${cfg.contextLength}`,
    );
  rmSync(join(cfg.out, 'log.jsonl'), { force: true }); // a rerun into the same folder starts a new log
  const log = new RunLog(join(cfg.out, 'log.jsonl'));

  // 1. split: first lines train, last lines validate; a seeded slice of training lines tunes
  const split = readInputFile('data', cfg.data, (f) =>
    readHhSplit(f, { train: cfg.trainPairs, validation: cfg.validationPairs }),
  );
  const parts = splitIndices(split.train.length, cfg.tuneFraction, cfg.seed);
  const fitPairs = parts.train.map((i) => split.train[i]);
  const tunePairs = parts.heldout.map((i) => split.train[i]);
  say(
    `${cfg.data}: ${split.lines} lines; ${split.train.length} training pairs (${tunePairs.length} of them for tuning), ` +
      `${split.validation.length} validation pairs${split.skipped.length ? `; ${split.skipped.length} lines skipped (line ${split.skipped[0].line}: ${split.skipped[0].reason})` : ''}`,
  );

  // 2. the baseline, on all training pairs' final replies
  const answers = (p: HhPreference) => ({ chosen: p.chosen.answer, rejected: p.rejected.answer });
  const bow = trainBagOfWords(split.train.map(answers), { seed: cfg.seed });
  const baselineAccuracy = bagOfWordsAccuracy(bow, split.validation.map(answers));
  say(`bag-of-words baseline (λ ${bow.lambda}): ${baselineAccuracy.toFixed(3)} on the validation pairs`);

  // 3. tokenizer on the training text (dialogues and both replies)
  const tok = BpeTokenizer.train(
    split.train.flatMap((p) => [p.chosen.prompt, p.chosen.answer, p.rejected.answer]),
    cfg.vocabSize,
  );
  const padId = tok.padId ?? 0;
  const encode = (ps: readonly HhPreference[]) => ps.map((p) => encodePair(tok, p, cfg));
  const fitSeqs = encode(fitPairs);
  const tuneSeqs = encode(tunePairs);

  // 4. pretrain the trunk on the training exchanges, every token learned
  const config = resolveModelConfig({
    arch: 'llama',
    vocabSize: tok.vocabSize,
    contextLength: cfg.contextLength,
    nLayers: cfg.layers,
    dim: cfg.dim,
    nHeads: cfg.heads,
  });
  const base = Transformer.init(config, new Rng(cfg.seed));
  const asText = (pairs: [Sequence, Sequence][]) =>
    pairs.flat().map((s) => ({ ids: s.ids, responseStart: 0 }));
  let pretrainLoss = Number.NaN;
  if (cfg.pretrainSteps > 0) {
    const r = trainLanguageModel(
      base,
      asText(fitSeqs),
      asText(tuneSeqs),
      padId,
      {
        out: cfg.out,
        steps: cfg.pretrainSteps,
        batchSize: cfg.pretrainBatch,
        microBatch: 0,
        lr: cfg.pretrainLr,
        minLrRatio: 0.1,
        warmupSteps: Math.min(30, cfg.pretrainSteps),
        weightDecay: 0.05,
        gradClip: 1,
        evalEvery: cfg.pretrainSteps,
        saveEvery: 0,
        resume: false,
        seed: cfg.seed,
      },
      { label: 'pretrain', quiet: options.quiet },
    );
    pretrainLoss = r.heldoutLoss;
    say(
      `pretrained ${base.parameterCount()} parameters: held-out next-token loss ${pretrainLoss.toFixed(3)}`,
    );
    log.write({ event: 'pretrained', heldout_loss: pretrainLoss });
  }
  saveCheckpoint(join(cfg.out, 'base'), base, tok, { method: 'pretrain', recipe: 'hh-rlhf' });

  // 5. the reward model: the trunk with a fresh scalar head, ranking loss, best tuning checkpoint kept
  const rm = base.clone({ scalarHead: 'fresh', rng: new Rng(cfg.seed + 1) });
  const trained = trainRankedRm(rm, fitSeqs.map(asRanking), tuneSeqs.map(asRanking), {
    epochs: cfg.rmEpochs,
    batchRankings: cfg.rmBatchPairs,
    lr: cfg.rmLr,
    weightDecay: cfg.rmWeightDecay,
    lmCoef: cfg.rmLmCoef,
    seed: cfg.seed,
    padId,
    evalsPerEpoch: cfg.evalsPerEpoch,
    log,
    quiet: options.quiet,
  });

  // 6. the one look at the validation pairs
  const accuracy = rankedAccuracy(trained.model, encode(split.validation).map(asRanking), padId);
  const result: HhRecipeResult = {
    accuracy,
    n: split.validation.length,
    baseline_accuracy: baselineAccuracy,
    accuracy_ci95: wilson(accuracy, split.validation.length),
    baseline_accuracy_ci95: wilson(baselineAccuracy, split.validation.length),
    train_pairs: split.train.length,
    tune_pairs: tunePairs.length,
    tune_accuracy: trained.tuneAccuracy,
    rm_best_step: trained.bestStep,
    rm_steps: trained.steps,
    pretrain_heldout_loss: pretrainLoss,
    parameters: trained.model.parameterCount(),
    baseline_lambda: bow.lambda,
    baseline_top_words: topWords(bow, 10),
    seconds: (Date.now() - t0) / 1000,
  };
  saveCheckpoint(join(cfg.out, 'rm'), trained.model, tok, {
    method: 'reward-model',
    recipe: 'hh-rlhf',
    // maxLength: what `rein rm eval` reads as the RM's training length
    config: { ...cfg, maxLength: cfg.contextLength },
    result,
  });
  log.write({ event: 'done', ...result });
  writeFileAtomic(join(cfg.out, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}
