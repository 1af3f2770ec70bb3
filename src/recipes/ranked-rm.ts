/**
 * A reward-model loop over already-tokenised rankings, for recipes whose sequences are not the
 * chat template's: HH dialogues cut from the front (keep-last.ts), raw story continuations whose
 * ids came straight from sampling. The loss is train/reward/loss.ts's ranking loss (all pairs of a
 * ranking in one batch element); the checkpoint kept is the one that did best on a tuning set,
 * measured `evalsPerEpoch` times per epoch (early stopping — the tuning set never trains).
 */
import type { Transformer } from '../model/transformer.js';
import { AdamW, clipGradNorm, warmupCosine } from '../optim/index.js';
import * as T from '../tensor/index.js';
import { packRight, type Sequence } from '../train/common/batch.js';
import { assertFinite, type RunLog } from '../train/common/run-log.js';
import { batchIndices } from '../train/common/shuffle-batches.js';
import type { RankedGroup } from '../train/reward/loss.js';
import { rankingPass } from '../train/reward/ranking-pass.js';
import { orderedShare, scoreSequences } from '../train/reward/score.js';
import { Progress } from '../util/progress.js';

/** One ranking: its candidates as token sequences, and the (winner, loser) pairs it implies. */
export interface RankedSequences {
  seqs: Sequence[];
  pairs: readonly { winner: number; loser: number }[];
}

export interface RankedRmOptions {
  epochs: number;
  /** Rankings per step. */
  batchRankings: number;
  lr: number;
  weightDecay: number;
  seed: number;
  padId: number;
  evalsPerEpoch: number;
  /** α of the language-model term on each ranking's best candidates (lm-regularizer.ts); 0: off. */
  lmCoef?: number;
  log?: RunLog;
  quiet?: boolean;
}

export interface RankedRmResult {
  steps: number;
  /** The kept model (a copy when a tuning set chose it, else `rm` itself after the last step). */
  model: Transformer;
  bestStep: number;
  /** Tuning accuracy of the kept model (NaN without a tuning set). */
  tuneAccuracy: number;
}

/** Fraction of ranked pairs the model orders right (a tie counts one half); NaN without pairs. */
export function rankedAccuracy(rm: Transformer, groups: readonly RankedSequences[], padId: number): number {
  const scores = scoreSequences(
    rm,
    groups.flatMap((g) => g.seqs),
    padId,
  );
  return orderedShare(
    scores,
    groups.map((g) => ({ size: g.seqs.length, pairs: g.pairs })),
  ).accuracy;
}

/** Trains `rm` (with a scalar head) in place on `train`; keeps the best checkpoint on `tune`. */
export function trainRankedRm(
  rm: Transformer,
  train: readonly RankedSequences[],
  tune: readonly RankedSequences[],
  o: RankedRmOptions,
): RankedRmResult {
  if (!rm.hasScalarHead) throw new Error('trainRankedRm: the model needs a scalar head');
  if (train.length === 0) throw new Error('trainRankedRm: no training rankings');
  const steps = Math.max(1, Math.ceil((o.epochs * train.length) / o.batchRankings));
  const every = Math.max(1, Math.ceil(train.length / o.batchRankings / o.evalsPerEpoch));
  const opt = new AdamW([...rm.params], { lr: o.lr, weightDecay: o.weightDecay });
  const lrAt = warmupCosine({
    maxLr: o.lr,
    minLr: o.lr * 0.1,
    warmupSteps: Math.min(10, steps),
    totalSteps: steps,
  });
  let best: { accuracy: number; step: number; model: Transformer } = {
    accuracy: Number.NaN,
    step: steps,
    model: rm,
  };
  const progress = new Progress('reward model', steps, process.stderr, o.quiet);
  for (let step = 0; step < steps; step++) {
    // 1. a few rankings; all candidates of each are rows of one batch, groups contiguous
    const chosen = batchIndices(train.length, o.batchRankings, o.seed, step).map((i) => train[i]);
    const groups: RankedGroup[] = [];
    const rows: Sequence[] = [];
    for (const g of chosen) {
      groups.push({ offset: rows.length, candidates: g.seqs.length, pairs: g.pairs });
      rows.push(...g.seqs);
    }
    const batch = packRight(rows, o.padId, rm.config.contextLength);
    // 2. one forward pass per candidate; the ranking loss over each ranking's pairs (and, optionally,
    //    the best candidates' next-token loss)
    const { loss, lmLoss } = T.scope(() => {
      const pass = rankingPass(rm, batch, groups, { lmCoef: o.lmCoef });
      T.backward(pass.loss);
      return { loss: pass.loss.item(), lmLoss: pass.lm };
    });
    // 3. clip and step
    const gradNorm = clipGradNorm([...rm.params.values()], 1);
    assertFinite(step + 1, { loss, grad_norm: gradNorm }, o.log);
    opt.lr = lrAt(step);
    opt.step();
    opt.zeroGrad();
    const record: Record<string, number> = { step: step + 1, loss, lr: opt.lr, grad_norm: gradNorm };
    if (lmLoss !== null) record.lm_loss = lmLoss; // unscaled; `loss` holds it times lmCoef
    // 4. now and then, the tuning accuracy; the best checkpoint so far is kept
    if (tune.length > 0 && ((step + 1) % every === 0 || step + 1 === steps)) {
      const accuracy = rankedAccuracy(rm, tune, o.padId);
      record.tune_accuracy = accuracy;
      if (!(accuracy <= best.accuracy))
        best = { accuracy, step: step + 1, model: rm.clone({ scalarHead: 'keep' }) };
    }
    o.log?.write(record);
    progress.update(step + 1, `loss ${loss.toFixed(3)}`);
  }
  return { steps, model: best.model, bestStep: best.step, tuneAccuracy: best.accuracy };
}
