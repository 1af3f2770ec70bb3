import type { BinaryOp, F32, I32, UnaryOp } from '../backend.js';

const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;

/** out[i] = op(x[i]). One loop per op so the op is chosen once per call, not per element. */
export function unary(op: UnaryOp, x: F32, out: F32, n: number, param: number): void {
  switch (op) {
    case 'neg':
      for (let i = 0; i < n; i++) out[i] = -x[i];
      return;
    case 'exp':
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]);
      return;
    case 'log':
      for (let i = 0; i < n; i++) out[i] = Math.log(x[i]);
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]);
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) out[i] = sigmoid(x[i]);
      return;
    case 'gelu':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        out[i] = 0.5 * v * (1 + Math.tanh(GELU_C * (v + GELU_A * v * v * v)));
      }
      return;
    case 'silu':
      for (let i = 0; i < n; i++) out[i] = x[i] * sigmoid(x[i]);
      return;
    case 'relu':
      for (let i = 0; i < n; i++) out[i] = Math.max(x[i], 0);
      return;
    case 'sqrt':
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]);
      return;
    case 'rsqrt':
      for (let i = 0; i < n; i++) out[i] = 1 / Math.sqrt(x[i]);
      return;
    case 'square':
      for (let i = 0; i < n; i++) out[i] = x[i] * x[i];
      return;
    case 'abs':
      for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]);
      return;
    case 'pow':
      for (let i = 0; i < n; i++) out[i] = x[i] ** param;
      return;
    case 'scale':
      for (let i = 0; i < n; i++) out[i] = x[i] * param;
      return;
    default:
      throw new Error(`unary: unknown op '${op as string}'`);
  }
}

/** Numerically safe logistic function (no overflow of exp for large |v|). */
function sigmoid(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/** dx[i] += dy[i]·op'(x[i]); y is the forward output. */
export function unaryBackward(op: UnaryOp, x: F32, y: F32, dy: F32, dx: F32, n: number, param: number): void {
  switch (op) {
    case 'neg':
      for (let i = 0; i < n; i++) dx[i] -= dy[i];
      return;
    case 'exp':
      for (let i = 0; i < n; i++) dx[i] += dy[i] * y[i];
      return;
    case 'log':
      for (let i = 0; i < n; i++) dx[i] += dy[i] / x[i];
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) dx[i] += dy[i] * (1 - y[i] * y[i]);
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) dx[i] += dy[i] * y[i] * (1 - y[i]);
      return;
    case 'gelu':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        const t = Math.tanh(GELU_C * (v + GELU_A * v * v * v));
        const dInner = GELU_C * (1 + 3 * GELU_A * v * v);
        dx[i] += dy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * dInner);
      }
      return;
    case 'silu':
      for (let i = 0; i < n; i++) {
        const s = sigmoid(x[i]);
        dx[i] += dy[i] * s * (1 + x[i] * (1 - s));
      }
      return;
    case 'relu':
      for (let i = 0; i < n; i++) if (x[i] > 0) dx[i] += dy[i];
      return;
    case 'sqrt':
      for (let i = 0; i < n; i++) dx[i] += (dy[i] * 0.5) / y[i];
      return;
    case 'rsqrt':
      for (let i = 0; i < n; i++) dx[i] += dy[i] * -0.5 * y[i] * y[i] * y[i];
      return;
    case 'square':
      for (let i = 0; i < n; i++) dx[i] += dy[i] * 2 * x[i];
      return;
    case 'abs':
      for (let i = 0; i < n; i++) dx[i] += x[i] > 0 ? dy[i] : x[i] < 0 ? -dy[i] : 0;
      return;
    case 'pow':
      for (let i = 0; i < n; i++) dx[i] += dy[i] * param * x[i] ** (param - 1);
      return;
    case 'scale':
      for (let i = 0; i < n; i++) dx[i] += dy[i] * param;
      return;
    default:
      throw new Error(`unaryBackward: unknown op '${op as string}'`);
  }
}

/**
 * Broadcasting binary op over a contiguous output of `shape` (see Backend.binary). The innermost
 * dimension runs as a strided loop per op; the outer dimensions advance an index counter, so there
 * is no per-element division or closure.
 */
export function binary(
  op: BinaryOp,
  a: F32,
  aStrides: I32,
  b: F32,
  bStrides: I32,
  out: F32,
  shape: I32,
): void {
  const rank = shape.length;
  if (rank === 0) {
    binaryRow(op, a, 0, 0, b, 0, 0, out, 0, 1);
    return;
  }
  let total = 1;
  for (let d = 0; d < rank; d++) total *= shape[d];
  if (total === 0) return;
  const last = rank - 1;
  const len = shape[last];
  const as = aStrides[last];
  const bs = bStrides[last];
  const idx = new Int32Array(rank);
  let ao = 0;
  let bo = 0;
  for (let o = 0; o < total; o += len) {
    binaryRow(op, a, ao, as, b, bo, bs, out, o, len);
    // advance the outer index (dimensions rank-2 … 0)
    for (let d = last - 1; d >= 0; d--) {
      idx[d]++;
      ao += aStrides[d];
      bo += bStrides[d];
      if (idx[d] < shape[d]) break;
      ao -= aStrides[d] * shape[d];
      bo -= bStrides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

function binaryRow(
  op: BinaryOp,
  a: F32,
  ao: number,
  as: number,
  b: F32,
  bo: number,
  bs: number,
  out: F32,
  oo: number,
  len: number,
): void {
  switch (op) {
    case 'add':
      for (let j = 0; j < len; j++) out[oo + j] = a[ao + j * as] + b[bo + j * bs];
      return;
    case 'sub':
      for (let j = 0; j < len; j++) out[oo + j] = a[ao + j * as] - b[bo + j * bs];
      return;
    case 'mul':
      for (let j = 0; j < len; j++) out[oo + j] = a[ao + j * as] * b[bo + j * bs];
      return;
    case 'div':
      for (let j = 0; j < len; j++) out[oo + j] = a[ao + j * as] / b[bo + j * bs];
      return;
    case 'max':
      for (let j = 0; j < len; j++) {
        const x = a[ao + j * as];
        const y = b[bo + j * bs];
        out[oo + j] = Math.max(x, y);
      }
      return;
    case 'min':
      for (let j = 0; j < len; j++) {
        const x = a[ao + j * as];
        const y = b[bo + j * bs];
        out[oo + j] = Math.min(x, y);
      }
      return;
    default:
      throw new Error(`binary: unknown op '${op as string}'`);
  }
}

/** out[Σ idx_d·outStrides_d] += x[idx] over the contiguous `shape` (the adjoint of broadcasting). */
export function sumToStrides(x: F32, shape: I32, out: F32, outStrides: I32): void {
  const rank = shape.length;
  if (rank === 0) {
    out[0] += x[0];
    return;
  }
  let total = 1;
  for (let d = 0; d < rank; d++) total *= shape[d];
  if (total === 0) return;
  const last = rank - 1;
  const len = shape[last];
  const os = outStrides[last];
  const idx = new Int32Array(rank);
  let oo = 0;
  for (let xo = 0; xo < total; xo += len) {
    if (os === 0) {
      let s = 0;
      for (let j = 0; j < len; j++) s += x[xo + j];
      out[oo] += s;
    } else {
      for (let j = 0; j < len; j++) out[oo + j * os] += x[xo + j];
    }
    for (let d = last - 1; d >= 0; d--) {
      idx[d]++;
      oo += outStrides[d];
      if (idx[d] < shape[d]) break;
      oo -= outStrides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/** out[i] = mask[i] !== 0 ? a[i] : b[i]. */
export function where(mask: F32, a: F32, b: F32, out: F32, n: number): void {
  for (let i = 0; i < n; i++) out[i] = mask[i] !== 0 ? a[i] : b[i];
}

/**
 * Inverted dropout (Backend.dropout). The hash: the key plus i times the golden-ratio constant,
 * through lowbias32's mixer (xor-shift, multiply, twice) — 32-bit integer arithmetic that the C
 * kernel repeats bit for bit.
 */
export function dropout(
  x: F32,
  n: number,
  key: number,
  dropBelow: number,
  keepScale: number,
  mask: F32,
  out: F32,
): void {
  for (let i = 0; i < n; i++) {
    let h = (key + Math.imul(i, 0x9e3779b9)) | 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x21f0aaad);
    h ^= h >>> 15;
    h = Math.imul(h, 0x735a2d97);
    h ^= h >>> 15;
    mask[i] = h >>> 0 < dropBelow ? 0 : keepScale;
    out[i] = x[i] * mask[i]; // the stored float32 scale, as the C kernel multiplies
  }
}
