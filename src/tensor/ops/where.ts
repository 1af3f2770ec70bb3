/** where(cond, a, b) and maskedFill: select elementwise by a condition tensor (nonzero = true). */
import { getBackend } from '../../kernels/index.js';
import { pool } from '../../kernels/pool.js';
import { gradOf, needsGrad, record, saveForBackward } from '../autograd.js';
import { tensor } from '../creation.js';
import { broadcastShapes, broadcastStrides, sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { broadcastTo } from './layout.js';

/** x's data broadcast to `shape` (a pooled buffer the caller releases), or x.data when already that shape. */
function broadcastData(x: Tensor, shape: readonly number[], shapeI: Int32Array, n: number): Float32Array {
  if (sameShape(x.shape, shape)) return x.data;
  const buf = pool.alloc(n);
  broadcastTo(x.data, broadcastStrides(x.shape, shape), shapeI, buf);
  return buf;
}

/**
 * out = cond ≠ 0 ? a : b, all three broadcast together (a or b may be numbers). cond gets no gradient;
 * dA += dOut where cond, dB += dOut elsewhere (summed over broadcast dims).
 */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  const at = typeof a === 'number' ? tensor(a) : a;
  const bt = typeof b === 'number' ? tensor(b) : b;
  cond.assertLive('where', 'cond');
  at.assertLive('where', 'a');
  bt.assertLive('where', 'b');
  const shape = broadcastShapes(
    'where',
    broadcastShapes('where', cond.shape, at.shape, 'cond', 'a'),
    bt.shape,
    'cond/a',
    'b',
  );
  const shapeI = Int32Array.from(shape);
  const out = Tensor.empty(shape);
  const n = out.size;
  const be = getBackend();
  const c = broadcastData(cond, shape, shapeI, n);
  const ad = broadcastData(at, shape, shapeI, n);
  const bd = broadcastData(bt, shape, shapeI, n);
  be.where(c, ad, bd, out.data, n);
  if (ad !== at.data) pool.release(ad);
  if (bd !== bt.data) pool.release(bd);
  if (needsGrad(at, bt)) {
    // the broadcast condition is needed again by the backward pass: keep it as a tensor
    const condT = c === cond.data ? cond : new Tensor(c, shape, null, true);
    record(out, [at, bt], () => {
      const be = getBackend();
      const dOut = out.grad!;
      const zeros = pool.allocZeroed(n);
      const tmp = pool.alloc(n);
      if (at.requiresGrad) {
        be.where(condT.data, dOut, zeros, tmp, n);
        be.sumToStrides(tmp, shapeI, gradOf(at), broadcastStrides(at.shape, shape));
      }
      if (bt.requiresGrad) {
        be.where(condT.data, zeros, dOut, tmp, n);
        be.sumToStrides(tmp, shapeI, gradOf(bt), broadcastStrides(bt.shape, shape));
      }
      pool.release(zeros);
      pool.release(tmp);
    });
    saveForBackward(out, 'where', condT);
  } else if (c !== cond.data) {
    pool.release(c);
  }
  return out;
}

/** x with `value` wherever mask ≠ 0 (mask broadcasts to x); e.g. −∞ on masked logits. */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  return where(mask, value, x);
}
