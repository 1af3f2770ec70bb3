/**
 * Gradient accumulation: one optimiser step's batch run as several smaller forward and backward
 * passes (micro-batches), so a step holds one micro-batch's activations while its gradient is the
 * whole batch's. Each pass's loss is a mean over its own units (response tokens, pairs, ranked
 * prompts); scaled by the pass's share of the batch's units, the gradients the passes add to the
 * leaves sum to those of one pass over the whole batch (the sum of means would not be: a pass of
 * few tokens would weigh as much as one of many).
 */
import { z } from 'zod';
import * as T from '../../tensor/index.js';

/** The `microBatch` option of a trainer whose batch is made of `items` (`note`: what a pass keeps whole). */
export function microBatchOption(items: string, note = '') {
  return z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe(
      `${items} per forward/backward pass${note ? ` (${note})` : ''}: a step's batch runs in passes of this many, their gradients summed (less memory, the same step); 0: the whole batch in one pass`,
    );
}

/** `items` cut into runs of at most `size` (0: one run of them all), in order. */
export function microBatches<I>(items: readonly I[], size: number): I[][] {
  if (size <= 0 || size >= items.length) return [items.slice()];
  const out: I[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Rows per forward pass for a batch of `batch` rows: `microBatch` where set. Passes without
 * gradients (a frozen reference's log-probs, held-out metrics) use it too, since a pass holds its
 * activations until it ends with or without gradients.
 */
export function passRows(batch: number, microBatch: number): number {
  return microBatch > 0 ? Math.min(microBatch, batch) : batch;
}

/** The passes' per-row numbers as one array, in the batch's order. */
export function joinPasses(parts: readonly Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0];
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** What one pass gives back: its mean loss, and numbers for the step's metrics (no tensors). */
export interface PassOutput<R> {
  loss: T.Tensor;
  result: R;
}

/**
 * A term of the step's loss that is no mean over the batch's units — PPO-ptx's, on texts of its
 * own — and the value to log of it; null where the run has none.
 */
export type ExtraTerm = () => { term: T.Tensor; value: number } | null;

/**
 * Runs each pass in its own scope (its activations are freed before the next) and backpropagates
 * its loss times its share, weightOf(pass) / Σ weightOf. `extra` is built once, in the first pass
 * after its loss, and backpropagated unscaled beside it. A single pass is backpropagated as it is,
 * so a run without micro-batches computes exactly what it did before they existed. Returns the
 * batch's loss (the same weighted sum, the extra term left out), each pass's result and share, and
 * the extra term's value (null without one).
 */
export function accumulateGradients<P, R>(
  passes: readonly P[],
  weightOf: (pass: P) => number,
  run: (pass: P) => PassOutput<R>,
  extra?: ExtraTerm,
): { loss: number; results: R[]; shares: number[]; extraValue: number | null } {
  const weights = passes.map(weightOf);
  const total = weights.reduce((a, b) => a + b, 0);
  const shares = weights.map((w) => (passes.length === 1 ? 1 : total > 0 ? w / total : 0));
  let loss = 0;
  let extraValue: number | null = null;
  const results = passes.map((pass, i) =>
    T.scope(() => {
      const out = run(pass);
      const scaled = shares[i] === 1 ? out.loss : T.scale(out.loss, shares[i]);
      const added = i === 0 && extra ? extra() : null;
      extraValue = added?.value ?? extraValue;
      T.backward(added ? T.add(scaled, added.term) : scaled);
      loss += shares[i] * out.loss.item();
      return out.result;
    }),
  );
  return { loss, results, shares, extraValue };
}

/**
 * The step's value of each metric from its passes' (each a mean over the pass's units):
 * Σ share · value. A metric a pass leaves out stays out.
 */
export function sharedMeans<R extends object>(results: readonly R[], shares: readonly number[]): R {
  const out: Record<string, number> = {};
  results.forEach((r, i) => {
    for (const [k, v] of Object.entries(r)) if (typeof v === 'number') out[k] = (out[k] ?? 0) + shares[i] * v;
  });
  return out as R;
}
