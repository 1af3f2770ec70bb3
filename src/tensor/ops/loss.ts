/** Fused cross-entropy over the last axis of logits, with an ignore index. */
import { getBackend } from '../../kernels/index.js';
import { pool } from '../../kernels/pool.js';
import { gradOf, needsGrad, record } from '../autograd.js';
import { fmt } from '../shape.js';
import { Tensor } from '../tensor.js';

export interface CrossEntropyOptions {
  /** Targets equal to this contribute no loss and no gradient (default −100, as in PyTorch). */
  ignoreIndex?: number;
  /**
   * 'mean' (default): mean over the non-ignored targets (0 when every target is ignored);
   * 'sum': their sum; 'none': per-token losses of logits' leading shape (ignored tokens give 0).
   */
  reduction?: 'mean' | 'sum' | 'none';
}

/**
 * loss_r = logsumexp(logits_r) − logits_r[target_r] for logits (..., V) and integer targets (...).
 * Backward: dLogits_r += dLoss_r · (softmax(logits_r) − onehot(target_r)).
 */
export function crossEntropy(logits: Tensor, targets: Int32Array, opts: CrossEntropyOptions = {}): Tensor {
  const ignoreIndex = opts.ignoreIndex ?? -100;
  const reduction = opts.reduction ?? 'mean';
  logits.assertLive('crossEntropy', 'logits');
  if (logits.rank === 0) throw new Error(`crossEntropy: logits ${fmt(logits.shape)} must be (..., V)`);
  const V = logits.shape[logits.rank - 1];
  const rows = V === 0 ? 0 : logits.size / V;
  if (targets.length !== rows) {
    throw new Error(
      `crossEntropy: logits ${fmt(logits.shape)} and targets (${targets.length}): expected ${rows} targets (one per row)`,
    );
  }
  let count = 0;
  for (let r = 0; r < rows; r++) {
    const t = targets[r];
    if (t === ignoreIndex) continue;
    if (t < 0 || t >= V) {
      throw new Error(
        `crossEntropy: targets[${r}] = ${t} is out of range for logits ${fmt(logits.shape)} (V = ${V})`,
      );
    }
    count++;
  }
  const be = getBackend();
  const rowShape = logits.shape.slice(0, logits.rank - 1);
  const losses = Tensor.empty(rowShape);
  be.crossEntropy(logits.data, targets, rows, V, ignoreIndex, losses.data);
  const saved = needsGrad(logits) ? targets.slice() : targets; // the caller may refill its buffer before backward
  if (reduction === 'none') {
    if (needsGrad(logits)) {
      record(losses, [logits], () => {
        getBackend().crossEntropyBackward(
          logits.data,
          saved,
          losses.grad!,
          rows,
          V,
          ignoreIndex,
          gradOf(logits),
        );
      });
    }
    return losses;
  }
  const out = Tensor.empty([]);
  be.reduce('sum', losses.data, 1, rows, 1, out.data, null);
  const divisor = reduction === 'mean' ? count : 1;
  out.data[0] = divisor === 0 ? 0 : out.data[0] / divisor;
  if (needsGrad(logits)) {
    record(out, [logits], () => {
      const dLoss = pool.alloc(rows);
      dLoss.fill(divisor === 0 ? 0 : out.grad![0] / divisor);
      getBackend().crossEntropyBackward(logits.data, saved, dLoss, rows, V, ignoreIndex, gradOf(logits));
      pool.release(dLoss);
    });
  }
  return out;
}
