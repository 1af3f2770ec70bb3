/**
 * The training benchmark: the workload of shared/bench/torch_reference.py `train` on rein. The
 * same model shape (untied classifier, as the reference), random tokens, one AdamW step
 * (lr 3e-4, no weight decay) per iteration; the time of a step covers forward, loss, backward
 * and the optimiser update, and the result is the median over the steps after warm-up.
 */
import { getBackend, setBackend } from '../kernels/index.js';
import type { ModelConfig } from '../model/config.js';
import { Transformer } from '../model/transformer.js';
import { AdamW } from '../optim/index.js';
import * as T from '../tensor/index.js';
import { Rng } from '../util/rng.js';
import { formatProfile, profileBackend } from './profile.js';
import { benchModelConfig, type ModelShape, median } from './shape.js';

export interface TrainBenchOptions extends ModelShape {
  batch: number;
  steps: number;
  warmup: number;
  seed: number;
  /** Time every kernel call and return a per-op table. */
  profile: boolean;
}

export interface TrainBenchResult {
  config: ModelConfig;
  params: number;
  /** Median of the timed steps, ms. */
  msPerStep: number;
  /** Every timed step, ms. */
  stepMs: number[];
  /** Loss of the first and the last step (a sanity check that training runs). */
  firstLoss: number;
  lastLoss: number;
  /** The per-op table when profiling. */
  profile: string | null;
}

export function benchTrain(o: TrainBenchOptions): TrainBenchResult {
  const config = benchModelConfig(o);
  const rng = new Rng(o.seed);
  const model = Transformer.init(config, rng);
  const opt = new AdamW([...model.params.entries()], { lr: 3e-4, weightDecay: 0 });
  const [B, Tn, V] = [o.batch, o.ctx, o.vocab];
  const ids = new Int32Array(B * Tn);
  const targets = new Int32Array(B * Tn);

  const inner = getBackend();
  const profiler = o.profile ? profileBackend(inner) : null;
  if (profiler !== null) setBackend(profiler.backend);
  const stepMs: number[] = [];
  let firstLoss = Number.NaN;
  let lastLoss = Number.NaN;
  try {
    for (let step = 0; step < o.warmup + o.steps; step++) {
      // random rows of T+1 tokens: inputs are the first T, targets the last T (outside the timing)
      for (let b = 0; b < B; b++) {
        let prev = rng.int(V);
        for (let t = 0; t < Tn; t++) {
          const next = rng.int(V);
          ids[b * Tn + t] = prev;
          targets[b * Tn + t] = next;
          prev = next;
        }
      }
      if (step === o.warmup) profiler?.reset();
      const t0 = performance.now();
      const loss = T.scope(() => {
        const logits = model.logits({ ids, B, T: Tn }); // (B, T, V)
        const l = T.crossEntropy(logits, targets);
        T.backward(l);
        return l.item();
      });
      opt.step();
      opt.zeroGrad();
      const ms = performance.now() - t0;
      if (step === 0) firstLoss = loss;
      lastLoss = loss;
      if (step >= o.warmup) stepMs.push(ms);
    }
  } finally {
    if (profiler !== null) setBackend(inner);
  }
  const msPerStep = median(stepMs);
  return {
    config,
    params: model.parameterCount(),
    msPerStep,
    stepMs,
    firstLoss,
    lastLoss,
    profile: profiler === null ? null : formatProfile(profiler.rows(), o.steps, msPerStep),
  };
}
