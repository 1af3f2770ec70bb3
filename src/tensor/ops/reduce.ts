/**
 * Reductions: sum, mean and max over one axis (keepdim optional) or over all elements, and argmax.
 * `axis` undefined/null reduces everything (to shape [], or all-ones with keepdim).
 */
import { getBackend } from '../../kernels/index.js';
import { gradOf, needsGrad, record } from '../autograd.js';
import { normAxis, splitAtAxis } from '../shape.js';
import { Tensor } from '../tensor.js';
import { scale } from './elementwise.js';

interface Plan {
  outer: number;
  len: number;
  inner: number;
  outShape: number[];
}

function plan(op: string, x: Tensor, axis: number | null | undefined, keepdim: boolean): Plan {
  x.assertLive(op, 'x');
  if (axis === undefined || axis === null) {
    return { outer: 1, len: x.size, inner: 1, outShape: keepdim ? x.shape.map(() => 1) : [] };
  }
  const ax = normAxis(op, axis, x.rank, x.shape);
  const [outer, len, inner] = splitAtAxis(x.shape, ax);
  const outShape = x.shape.slice();
  if (keepdim) outShape[ax] = 1;
  else outShape.splice(ax, 1);
  return { outer, len, inner, outShape };
}

/** Σ over `axis` (or over everything). */
export function sum(x: Tensor, axis?: number | null, keepdim = false): Tensor {
  const P = plan('sum', x, axis, keepdim);
  const out = Tensor.empty(P.outShape);
  getBackend().reduce('sum', x.data, P.outer, P.len, P.inner, out.data, null);
  if (needsGrad(x)) {
    record(out, [x], () => {
      // dX[o, l, i] += dOut[o, i]: a broadcast add in place over x's (outer, len, inner) view
      const dX = gradOf(x);
      const shape = new Int32Array([P.outer, P.len, P.inner]);
      const xStrides = new Int32Array([P.len * P.inner, P.inner, 1]);
      const oStrides = new Int32Array([P.inner, 0, 1]);
      getBackend().binary('add', dX, xStrides, out.grad!, oStrides, dX, shape);
    });
  }
  return out;
}

/** Mean over `axis` (or over everything): a sum scaled by 1/len (composite, no backward of its own). */
export function mean(x: Tensor, axis?: number | null, keepdim = false): Tensor {
  const P = plan('mean', x, axis, keepdim);
  return scale(sum(x, axis, keepdim), 1 / P.len);
}

/** Max over `axis` (or over everything); the gradient goes to the first maximum. */
export function max(x: Tensor, axis?: number | null, keepdim = false): Tensor {
  const P = plan('max', x, axis, keepdim);
  if (P.len === 0) throw new Error(`max: x (${x.shape.join(',')}) is empty along the reduced axis`);
  const out = Tensor.empty(P.outShape);
  const arg = new Int32Array(P.outer * P.inner);
  getBackend().reduce('max', x.data, P.outer, P.len, P.inner, out.data, arg);
  if (needsGrad(x)) {
    record(out, [x], () => {
      // dX[o, argmax, i] += dOut[o, i]: a scatter-add of one-element rows at the winners' flat indices
      const ids = new Int32Array(P.outer * P.inner);
      for (let o = 0; o < P.outer; o++) {
        for (let i = 0; i < P.inner; i++) {
          const r = o * P.inner + i;
          ids[r] = (o * P.len + arg[r]) * P.inner + i;
        }
      }
      getBackend().scatterAdd(gradOf(x), ids, 1, out.grad!);
    });
  }
  return out;
}

/** Index of the first maximum along `axis` (default last), as an Int32Array of the reduced shape. */
export function argmax(x: Tensor, axis = -1): Int32Array {
  x.assertLive('argmax', 'x');
  const ax = normAxis('argmax', axis, x.rank, x.shape);
  const [outer, len, inner] = splitAtAxis(x.shape, ax);
  if (len === 0) throw new Error(`argmax: x (${x.shape.join(',')}) is empty along the reduced axis`);
  const vals = Tensor.empty([outer * inner]);
  const arg = new Int32Array(outer * inner);
  getBackend().reduce('max', x.data, outer, len, inner, vals.data, arg);
  vals.dispose();
  return arg;
}
