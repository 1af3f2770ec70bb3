/**
 * Elementwise ops: broadcasting binary ops (add, sub, mul, div, maximum, minimum), unary ops
 * (neg, exp, log, tanh, sigmoid, gelu, silu, relu, sqrt, rsqrt, square, abs, pow, scale), scalar
 * ops (addScalar, clamp). Forward and backward side by side; gradients are named dX.
 *
 * Broadcasting follows numpy. The backward pass of a broadcast operand sums the gradient over the
 * broadcast dimensions (Backend.sumToStrides with stride 0 there).
 */
import type { BinaryOp, UnaryOp } from '../../kernels/backend.js';
import { getBackend } from '../../kernels/index.js';
import { pool } from '../../kernels/pool.js';
import { gradOf, moveGrad, needsGrad, record } from '../autograd.js';
import { tensor } from '../creation.js';
import { broadcastShapes, broadcastStrides, contiguousStrides, sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { broadcastTo } from './layout.js';

/** How a binary op walks its operands: an output shape and each operand's strides over it. */
interface Layout {
  outShape: readonly number[];
  shape: Int32Array;
  aStrides: Int32Array;
  bStrides: Int32Array;
  /** Contiguous strides of `shape` (how dOut and temporaries are laid out). */
  outStrides: Int32Array;
}

const ONE = new Int32Array([1]);
const ZERO = new Int32Array([0]);

function layoutOf(op: string, a: Tensor, b: Tensor): Layout {
  a.assertLive(op, 'a');
  b.assertLive(op, 'b');
  if (sameShape(a.shape, b.shape)) {
    // same shapes: one flat loop
    return {
      outShape: a.shape,
      shape: new Int32Array([a.size]),
      aStrides: ONE,
      bStrides: ONE,
      outStrides: ONE,
    };
  }
  const outShape = broadcastShapes(op, a.shape, b.shape);
  if (b.size === 1 && sameShape(outShape, a.shape)) {
    return { outShape, shape: new Int32Array([a.size]), aStrides: ONE, bStrides: ZERO, outStrides: ONE };
  }
  if (a.size === 1 && sameShape(outShape, b.shape)) {
    return { outShape, shape: new Int32Array([b.size]), aStrides: ZERO, bStrides: ONE, outStrides: ONE };
  }
  return {
    outShape,
    shape: Int32Array.from(outShape),
    aStrides: broadcastStrides(a.shape, outShape),
    bStrides: broadcastStrides(b.shape, outShape),
    outStrides: contiguousStrides(outShape),
  };
}

/** dX += dY summed down to X's shape (X is read through `strides` over the output layout). */
function sumInto(x: Tensor, dY: Float32Array, L: Layout, strides: Int32Array): void {
  getBackend().sumToStrides(dY, L.shape, gradOf(x), strides);
}

function binaryForward(op: BinaryOp, name: string, a: Tensor, b: Tensor): [Tensor, Layout] {
  const L = layoutOf(name, a, b);
  const out = Tensor.empty(L.outShape);
  getBackend().binary(op, a.data, L.aStrides, b.data, L.bStrides, out.data, L.shape);
  return [out, L];
}

// ---------------------------------------------------------------- add / sub

/** a + b with broadcasting (b may be a number). */
export function add(a: Tensor, b: Tensor | number): Tensor {
  if (typeof b === 'number') return addScalar(a, b);
  const [out, L] = binaryForward('add', 'add', a, b);
  if (needsGrad(a, b)) {
    const aFull = sameShape(a.shape, L.outShape);
    const bFull = sameShape(b.shape, L.outShape);
    record(out, [a, b], () => {
      const dOut = out.grad!;
      // a full-size operand may take dOut's buffer outright (moveGrad), so it goes last
      if (b.requiresGrad && !(bFull && !a.requiresGrad && moveGrad(out, b))) sumInto(b, dOut, L, L.bStrides);
      if (a.requiresGrad && !(aFull && moveGrad(out, a))) sumInto(a, dOut, L, L.aStrides);
    });
  }
  return out;
}

/** a − b with broadcasting (b may be a number). */
export function sub(a: Tensor, b: Tensor | number): Tensor {
  if (typeof b === 'number') return addScalar(a, -b);
  const [out, L] = binaryForward('sub', 'sub', a, b);
  if (needsGrad(a, b)) {
    const aFull = sameShape(a.shape, L.outShape);
    record(out, [a, b], () => {
      const dOut = out.grad!;
      if (b.requiresGrad) {
        const n = out.size;
        const negD = pool.alloc(n);
        getBackend().unary('neg', dOut, negD, n, 0);
        sumInto(b, negD, L, L.bStrides);
        pool.release(negD);
      }
      if (a.requiresGrad && !(aFull && moveGrad(out, a))) sumInto(a, dOut, L, L.aStrides);
    });
  }
  return out;
}

/** x + c for a number c. */
export function addScalar(x: Tensor, c: number): Tensor {
  x.assertLive('addScalar', 'x');
  const out = Tensor.empty(x.shape);
  const k = tensor(c);
  getBackend().binary('add', x.data, ONE, k.data, ZERO, out.data, new Int32Array([x.size]));
  k.dispose();
  if (needsGrad(x)) {
    record(out, [x], () => {
      if (!moveGrad(out, x)) getBackend().copyRows(out.grad!, 0, 0, gradOf(x), 0, 0, 1, x.size, true);
    });
  }
  return out;
}

// ---------------------------------------------------------------- mul / div

/** a ⊙ b with broadcasting (b may be a number). */
export function mul(a: Tensor, b: Tensor | number): Tensor {
  if (typeof b === 'number') return scale(a, b);
  const [out, L] = binaryForward('mul', 'mul', a, b);
  if (needsGrad(a, b)) {
    record(out, [a, b], () => {
      const be = getBackend();
      const dOut = out.grad!;
      const tmp = pool.alloc(out.size);
      if (a.requiresGrad) {
        // dA = dOut ⊙ b
        be.binary('mul', dOut, L.outStrides, b.data, L.bStrides, tmp, L.shape);
        sumInto(a, tmp, L, L.aStrides);
      }
      if (b.requiresGrad) {
        // dB = dOut ⊙ a
        be.binary('mul', dOut, L.outStrides, a.data, L.aStrides, tmp, L.shape);
        sumInto(b, tmp, L, L.bStrides);
      }
      pool.release(tmp);
    });
  }
  return out;
}

/** a / b with broadcasting (b may be a number). */
export function div(a: Tensor, b: Tensor | number): Tensor {
  if (typeof b === 'number') return scale(a, 1 / b);
  const [out, L] = binaryForward('div', 'div', a, b);
  if (needsGrad(a, b)) {
    record(out, [a, b], () => {
      const be = getBackend();
      const dOut = out.grad!;
      const n = out.size;
      const tmp = pool.alloc(n);
      if (a.requiresGrad) {
        // dA = dOut / b
        be.binary('div', dOut, L.outStrides, b.data, L.bStrides, tmp, L.shape);
        sumInto(a, tmp, L, L.aStrides);
      }
      if (b.requiresGrad) {
        // dB = −dOut · a / b² = −(dOut ⊙ out) / b
        const tmp2 = pool.alloc(n);
        be.binary('mul', dOut, L.outStrides, out.data, L.outStrides, tmp, L.shape);
        be.binary('div', tmp, L.outStrides, b.data, L.bStrides, tmp2, L.shape);
        be.unary('neg', tmp2, tmp, n, 0);
        sumInto(b, tmp, L, L.bStrides);
        pool.release(tmp2);
      }
      pool.release(tmp);
    });
  }
  return out;
}

// ---------------------------------------------------------------- maximum / minimum / clamp

function extremum(op: 'max' | 'min', name: string, a: Tensor, b: Tensor): Tensor {
  const [out, L] = binaryForward(op, name, a, b);
  if (needsGrad(a, b)) {
    record(out, [a, b], () => {
      // the gradient goes to the operand that won (a on ties)
      const dOut = out.grad!;
      const n = out.size;
      const aE = pool.alloc(n);
      const bE = pool.alloc(n);
      broadcastTo(a.data, L.aStrides, L.shape, aE);
      broadcastTo(b.data, L.bStrides, L.shape, bE);
      for (let i = 0; i < n; i++) {
        const aWins = op === 'max' ? aE[i] >= bE[i] : aE[i] <= bE[i];
        aE[i] = aWins ? dOut[i] : 0;
        bE[i] = aWins ? 0 : dOut[i];
      }
      if (a.requiresGrad) sumInto(a, aE, L, L.aStrides);
      if (b.requiresGrad) sumInto(b, bE, L, L.bStrides);
      pool.release(aE);
      pool.release(bE);
    });
  }
  return out;
}

/** Elementwise max(a, b) with broadcasting; the gradient goes to a on ties. */
export function maximum(a: Tensor, b: Tensor | number): Tensor {
  const bt = typeof b === 'number' ? tensor(b) : b;
  return extremum('max', 'maximum', a, bt);
}

/** Elementwise min(a, b) with broadcasting; the gradient goes to a on ties. */
export function minimum(a: Tensor, b: Tensor | number): Tensor {
  const bt = typeof b === 'number' ? tensor(b) : b;
  return extremum('min', 'minimum', a, bt);
}

/** min(max(x, lo), hi); the gradient passes where lo ≤ x ≤ hi (PPO's ratio clipping). */
export function clamp(x: Tensor, lo: number, hi: number): Tensor {
  x.assertLive('clamp', 'x');
  if (!(lo <= hi)) throw new Error(`clamp: lo ${lo} must be ≤ hi ${hi}`);
  const be = getBackend();
  const n = x.size;
  const out = Tensor.empty(x.shape);
  const shape = new Int32Array([n]);
  const k = tensor(lo);
  be.binary('max', x.data, ONE, k.data, ZERO, out.data, shape);
  k.data[0] = hi;
  be.binary('min', out.data, ONE, k.data, ZERO, out.data, shape);
  k.dispose();
  if (needsGrad(x)) {
    record(out, [x], () => {
      const dOut = out.grad!;
      const dX = gradOf(x);
      const xd = x.data;
      for (let i = 0; i < n; i++) if (xd[i] >= lo && xd[i] <= hi) dX[i] += dOut[i];
    });
  }
  return out;
}

// ---------------------------------------------------------------- unary

function unaryOp(op: UnaryOp, x: Tensor, param: number): Tensor {
  x.assertLive(op, 'x');
  const n = x.size;
  const out = Tensor.empty(x.shape);
  getBackend().unary(op, x.data, out.data, n, param);
  if (needsGrad(x)) {
    record(out, [x], () => {
      getBackend().unaryBackward(op, x.data, out.data, out.grad!, gradOf(x), n, param);
    });
  }
  return out;
}

export const neg = (x: Tensor): Tensor => unaryOp('neg', x, 0);
export const exp = (x: Tensor): Tensor => unaryOp('exp', x, 0);
export const log = (x: Tensor): Tensor => unaryOp('log', x, 0);
export const tanh = (x: Tensor): Tensor => unaryOp('tanh', x, 0);
export const sigmoid = (x: Tensor): Tensor => unaryOp('sigmoid', x, 0);
/** GELU, tanh approximation (GPT-2). */
export const gelu = (x: Tensor): Tensor => unaryOp('gelu', x, 0);
export const silu = (x: Tensor): Tensor => unaryOp('silu', x, 0);
export const relu = (x: Tensor): Tensor => unaryOp('relu', x, 0);
export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt', x, 0);
export const rsqrt = (x: Tensor): Tensor => unaryOp('rsqrt', x, 0);
export const square = (x: Tensor): Tensor => unaryOp('square', x, 0);
export const abs = (x: Tensor): Tensor => unaryOp('abs', x, 0);
/** x^p for a number p. */
export const pow = (x: Tensor, p: number): Tensor => unaryOp('pow', x, p);
/** x · c for a number c. */
export const scale = (x: Tensor, c: number): Tensor => unaryOp('scale', x, c);
