import type { Transformer } from '../../model/transformer.js';
import { AdamW, warmupCosine } from '../../optim/index.js';

/** The optimiser options of the trainers that take a fixed number of steps over their data. */
export interface ScheduleOptions {
  lr: number;
  minLrRatio: number;
  warmupSteps: number;
  weightDecay: number;
}

/**
 * AdamW over `model`'s trainable weights (all, or its LoRA adapters and head), and the learning rate of each of `steps` steps: a linear warmup to
 * `lr` (no longer than the run), then a cosine decay to lr·minLrRatio.
 */
export function scheduledAdamW(
  model: Transformer,
  cfg: ScheduleOptions,
  steps: number,
): { opt: AdamW; lrAt: (step: number) => number } {
  const opt = new AdamW([...model.trainableParams()], { lr: cfg.lr, weightDecay: cfg.weightDecay });
  const lrAt = warmupCosine({
    maxLr: cfg.lr,
    minLr: cfg.lr * cfg.minLrRatio,
    warmupSteps: Math.min(cfg.warmupSteps, steps),
    totalSteps: steps,
  });
  return { opt, lrAt };
}
