/**
 * Layout ops: reshape (a free view), expand (broadcast materialised), permute / transpose,
 * slice along an axis, concat. Every tensor is contiguous, so reshape never copies; permute copies
 * through the backend's permute kernel; slice and concat are Backend.copyRows both ways.
 */
import { getBackend } from '../../kernels/index.js';
import { pool } from '../../kernels/pool.js';
import { gradOf, moveGrad, needsGrad, record } from '../autograd.js';
import {
  broadcastShapes,
  broadcastStrides,
  fmt,
  normAxis,
  type Shape,
  sameShape,
  sizeOf,
  splitAtAxis,
} from '../shape.js';
import { Tensor } from '../tensor.js';

/** x with a new shape of the same size (one dim may be −1); shares x's data. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  x.assertLive('reshape', 'x');
  const s = shape.slice();
  let infer = -1;
  let known = 1;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === -1) {
      if (infer >= 0) throw new Error(`reshape: x ${fmt(x.shape)} to ${fmt(shape)}: only one dim may be -1`);
      infer = i;
    } else if (!Number.isInteger(s[i]) || s[i] < 0) {
      throw new Error(`reshape: x ${fmt(x.shape)} to ${fmt(shape)}: dims must be integers ≥ 0 or -1`);
    } else known *= s[i];
  }
  if (infer >= 0) {
    if (known === 0 || x.size % known !== 0) {
      throw new Error(`reshape: x ${fmt(x.shape)} (${x.size} elements) cannot be viewed as ${fmt(shape)}`);
    }
    s[infer] = x.size / known;
  }
  if (sizeOf(s) !== x.size) {
    throw new Error(`reshape: x ${fmt(x.shape)} (${x.size} elements) cannot be viewed as ${fmt(shape)}`);
  }
  const out = new Tensor(x.data, s, x.base ?? x);
  if (needsGrad(x)) {
    record(out, [x], () => {
      if (!moveGrad(out, x)) getBackend().copyRows(out.grad!, 0, 0, gradOf(x), 0, 0, 1, x.size, true);
    });
  }
  return out;
}

/** Alias of reshape (every tensor is contiguous, so a view is always possible). */
export const view = reshape;

/** Inserts a dim of size 1 at `axis` (a reshape). */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const ax = normAxis('unsqueeze', axis, x.rank + 1, x.shape);
  const s = x.shape.slice();
  s.splice(ax, 0, 1);
  return reshape(x, s);
}

/** Removes a dim of size 1 at `axis` (a reshape). */
export function squeeze(x: Tensor, axis: number): Tensor {
  const ax = normAxis('squeeze', axis, x.rank, x.shape);
  if (x.shape[ax] !== 1)
    throw new Error(`squeeze: x ${fmt(x.shape)}: axis ${axis} has size ${x.shape[ax]}, not 1`);
  const s = x.shape.slice();
  s.splice(ax, 1);
  return reshape(x, s);
}

/**
 * Writes x broadcast to the contiguous `shape` into out, reading x through `xStrides` (0 on the
 * broadcast dims; see broadcastStrides). Internal to the ops: max(x, x) = x, so the binary kernel's
 * broadcasting does the copy.
 */
export function broadcastTo(
  x: Float32Array,
  xStrides: Int32Array,
  shape: Int32Array,
  out: Float32Array,
): void {
  getBackend().binary('max', x, xStrides, x, xStrides, out, shape);
}

/** x broadcast to `shape` and materialised (numpy broadcasting rules). */
export function expand(x: Tensor, shape: Shape): Tensor {
  x.assertLive('expand', 'x');
  const outShape = broadcastShapes('expand', x.shape, shape, 'x', 'shape');
  if (!sameShape(outShape, shape)) {
    throw new Error(`expand: x ${fmt(x.shape)} cannot be broadcast to ${fmt(shape)}`);
  }
  const strides = broadcastStrides(x.shape, shape);
  const shapeI = Int32Array.from(shape);
  const out = Tensor.empty(shape);
  broadcastTo(x.data, strides, shapeI, out.data);
  if (needsGrad(x)) {
    record(out, [x], () => {
      getBackend().sumToStrides(out.grad!, shapeI, gradOf(x), strides);
    });
  }
  return out;
}

/** Reorders the dims: out.shape[i] = x.shape[perm[i]]. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  x.assertLive('permute', 'x');
  const rank = x.rank;
  if (perm.length !== rank)
    throw new Error(`permute: x ${fmt(x.shape)}: perm [${perm}] has ${perm.length} dims`);
  const seen = new Array<boolean>(rank).fill(false);
  const p = new Int32Array(rank);
  for (let i = 0; i < rank; i++) {
    const d = perm[i] < 0 ? perm[i] + rank : perm[i];
    if (!Number.isInteger(d) || d < 0 || d >= rank || seen[d]) {
      throw new Error(`permute: x ${fmt(x.shape)}: perm [${perm}] is not a permutation of ${rank} dims`);
    }
    seen[d] = true;
    p[i] = d;
  }
  const outShape = Array.from(p, (d) => x.shape[d]);
  const out = Tensor.empty(outShape);
  const shapeI = Int32Array.from(x.shape);
  getBackend().permute(x.data, shapeI, p, out.data);
  if (needsGrad(x)) {
    record(out, [x], () => {
      // dX = dOut permuted back by the inverse permutation
      const inv = new Int32Array(rank);
      for (let i = 0; i < rank; i++) inv[p[i]] = i;
      const be = getBackend();
      const tmp = pool.alloc(x.size);
      be.permute(out.grad!, Int32Array.from(outShape), inv, tmp);
      be.copyRows(tmp, 0, 0, gradOf(x), 0, 0, 1, x.size, true);
      pool.release(tmp);
    });
  }
  return out;
}

/** Swaps two dims (a permute; materialises — matmul takes transpose flags instead). */
export function transpose(x: Tensor, dim0 = -2, dim1 = -1): Tensor {
  x.assertLive('transpose', 'x');
  const a = normAxis('transpose', dim0, x.rank, x.shape);
  const b = normAxis('transpose', dim1, x.rank, x.shape);
  const perm = x.shape.map((_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}

/** Elements start ≤ i < end along `axis` (negative indices count from the end). */
export function slice(x: Tensor, axis: number, start: number, end?: number): Tensor {
  x.assertLive('slice', 'x');
  const ax = normAxis('slice', axis, x.rank, x.shape);
  const dim = x.shape[ax];
  const s = start < 0 ? start + dim : start;
  const e = end === undefined ? dim : end < 0 ? end + dim : end;
  if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e > dim || s > e) {
    throw new Error(
      `slice: x ${fmt(x.shape)}: range [${start}, ${end ?? dim}) is out of bounds for axis ${axis} (size ${dim})`,
    );
  }
  const [outer, , inner] = splitAtAxis(x.shape, ax);
  const outShape = x.shape.slice();
  outShape[ax] = e - s;
  const out = Tensor.empty(outShape);
  const len = (e - s) * inner;
  const srcStride = dim * inner;
  getBackend().copyRows(x.data, s * inner, srcStride, out.data, 0, len, outer, len, false);
  if (needsGrad(x)) {
    record(out, [x], () => {
      getBackend().copyRows(out.grad!, 0, len, gradOf(x), s * inner, srcStride, outer, len, true);
    });
  }
  return out;
}

/** Joins tensors along `axis`; all other dims must match. */
export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new Error('concat: xs is empty');
  const first = xs[0];
  first.assertLive('concat', 'xs[0]');
  const ax = normAxis('concat', axis, first.rank, first.shape);
  let total = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    x.assertLive('concat', `xs[${i}]`);
    let ok = x.rank === first.rank;
    for (let d = 0; ok && d < x.rank; d++) if (d !== ax && x.shape[d] !== first.shape[d]) ok = false;
    if (!ok) {
      throw new Error(
        `concat: xs[0] ${fmt(first.shape)} and xs[${i}] ${fmt(x.shape)}: dims other than axis ${axis} differ`,
      );
    }
    total += x.shape[ax];
  }
  const [outer, , inner] = splitAtAxis(first.shape, ax);
  const outShape = first.shape.slice();
  outShape[ax] = total;
  const out = Tensor.empty(outShape);
  const dstStride = total * inner;
  const offsets: number[] = [];
  const be = getBackend();
  let off = 0;
  for (const x of xs) {
    const len = x.shape[ax] * inner;
    offsets.push(off);
    be.copyRows(x.data, 0, len, out.data, off, dstStride, outer, len, false);
    off += len;
  }
  if (xs.some((x) => needsGrad(x))) {
    record(out, xs.slice(), () => {
      for (let i = 0; i < xs.length; i++) {
        const x = xs[i];
        if (!x.requiresGrad) continue;
        const len = x.shape[ax] * inner;
        getBackend().copyRows(out.grad!, offsets[i], dstStride, gradOf(x), 0, len, outer, len, true);
      }
    });
  }
  return out;
}
