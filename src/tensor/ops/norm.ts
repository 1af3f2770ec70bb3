/** layerNorm and rmsNorm over the last axis (fused kernels; statistics kept for the backward pass). */
import { getBackend } from '../../kernels/index.js';
import { pool } from '../../kernels/pool.js';
import { gradOf, needsGrad, record, saveForBackward } from '../autograd.js';
import { fmt } from '../shape.js';
import { Tensor } from '../tensor.js';

function check(op: string, x: Tensor, w: Tensor, b: Tensor | null): [number, number] {
  x.assertLive(op, 'x');
  w.assertLive(op, 'weight');
  if (x.rank === 0) throw new Error(`${op}: x ${fmt(x.shape)} needs at least one dim`);
  const n = x.shape[x.rank - 1];
  if (w.rank !== 1 || w.shape[0] !== n) {
    throw new Error(`${op}: x ${fmt(x.shape)} and weight ${fmt(w.shape)}: weight must be (${n})`);
  }
  if (b !== null) {
    b.assertLive(op, 'bias');
    if (b.rank !== 1 || b.shape[0] !== n) {
      throw new Error(`${op}: x ${fmt(x.shape)} and bias ${fmt(b.shape)}: bias must be (${n})`);
    }
  }
  return [n === 0 ? 0 : x.size / n, n];
}

/** (x − mean)/√(var + eps)·w + b over the last axis (biased variance, as in PyTorch). */
export function layerNorm(x: Tensor, w: Tensor, b: Tensor | null = null, eps = 1e-5): Tensor {
  const [rows, n] = check('layerNorm', x, w, b);
  const out = Tensor.empty(x.shape);
  // saved statistics are tensors so that scope() recycles them with the activations
  const mean = Tensor.empty([rows]);
  const rstd = Tensor.empty([rows]);
  getBackend().layerNorm(
    x.data,
    w.data,
    b === null ? null : b.data,
    rows,
    n,
    eps,
    out.data,
    mean.data,
    rstd.data,
  );
  if (needsGrad(x, w, b)) {
    record(out, b === null ? [x, w] : [x, w, b], () => {
      // the kernel accumulates all three; gradients nobody asked for go to scratch
      const dX = x.requiresGrad ? gradOf(x) : pool.allocZeroed(x.size);
      const dW = w.requiresGrad ? gradOf(w) : pool.allocZeroed(n);
      const dB = b === null ? null : b.requiresGrad ? gradOf(b) : pool.allocZeroed(n);
      getBackend().layerNormBackward(out.grad!, x.data, w.data, mean.data, rstd.data, rows, n, dX, dW, dB);
      if (!x.requiresGrad) pool.release(dX);
      if (!w.requiresGrad) pool.release(dW);
      if (b !== null && !b.requiresGrad && dB !== null) pool.release(dB);
    });
    saveForBackward(out, 'layerNorm', mean, rstd);
  }
  return out;
}

/** x/√(mean(x²) + eps)·w over the last axis. */
export function rmsNorm(x: Tensor, w: Tensor, eps = 1e-5): Tensor {
  const [rows, n] = check('rmsNorm', x, w, null);
  const out = Tensor.empty(x.shape);
  const rstd = Tensor.empty([rows]);
  getBackend().rmsNorm(x.data, w.data, rows, n, eps, out.data, rstd.data);
  if (needsGrad(x, w)) {
    record(out, [x, w], () => {
      const dX = x.requiresGrad ? gradOf(x) : pool.allocZeroed(x.size);
      const dW = w.requiresGrad ? gradOf(w) : pool.allocZeroed(n);
      getBackend().rmsNormBackward(out.grad!, x.data, w.data, rstd.data, rows, n, dX, dW);
      if (!x.requiresGrad) pool.release(dX);
      if (!w.requiresGrad) pool.release(dW);
    });
    saveForBackward(out, 'rmsNorm', rstd);
  }
  return out;
}
