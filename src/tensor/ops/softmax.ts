/** softmax and logSoftmax over the last axis. */
import { getBackend } from '../../kernels/index.js';
import { gradOf, needsGrad, record } from '../autograd.js';
import { fmt } from '../shape.js';
import { Tensor } from '../tensor.js';

function rowsOf(op: string, x: Tensor): [number, number] {
  x.assertLive(op, 'x');
  if (x.rank === 0) throw new Error(`${op}: x ${fmt(x.shape)} needs at least one dim`);
  const n = x.shape[x.rank - 1];
  return [n === 0 ? 0 : x.size / n, n];
}

/** softmax over the last axis; backward dX += y ⊙ (dY − Σ dY⊙y). */
export function softmax(x: Tensor): Tensor {
  const [rows, n] = rowsOf('softmax', x);
  const out = Tensor.empty(x.shape);
  getBackend().softmax(x.data, rows, n, out.data);
  if (needsGrad(x)) {
    record(out, [x], () => {
      getBackend().softmaxBackward(out.data, out.grad!, rows, n, gradOf(x));
    });
  }
  return out;
}

/** log-softmax over the last axis; backward dX += dY − softmax·Σ dY. */
export function logSoftmax(x: Tensor): Tensor {
  const [rows, n] = rowsOf('logSoftmax', x);
  const out = Tensor.empty(x.shape);
  getBackend().logSoftmax(x.data, rows, n, out.data);
  if (needsGrad(x)) {
    record(out, [x], () => {
      getBackend().logSoftmaxBackward(out.data, out.grad!, rows, n, gradOf(x));
    });
  }
  return out;
}
