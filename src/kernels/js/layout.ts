import type { F32, I32, ReduceOp } from '../backend.js';
import { scratch } from './scratch.js';

/**
 * Reduction along the middle axis of x viewed as (outer, len, inner) into out (outer, inner).
 * Sums run in float64. For 'max', the first maximum wins and its index goes to `argmax`.
 */
export function reduce(
  op: ReduceOp,
  x: F32,
  outer: number,
  len: number,
  inner: number,
  out: F32,
  argmax: I32 | null,
): void {
  if (op === 'sum') {
    if (inner === 1) {
      for (let o = 0; o < outer; o++) {
        const base = o * len;
        let s = 0;
        for (let l = 0; l < len; l++) s += x[base + l];
        out[o] = s;
      }
      return;
    }
    const acc = scratch(0, inner);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) acc[i] = 0;
      const base = o * len * inner;
      for (let l = 0; l < len; l++) {
        const row = base + l * inner;
        for (let i = 0; i < inner; i++) acc[i] += x[row + i];
      }
      const ob = o * inner;
      for (let i = 0; i < inner; i++) out[ob + i] = acc[i];
    }
    return;
  }
  if (op === 'max') {
    for (let o = 0; o < outer; o++) {
      const base = o * len * inner;
      for (let i = 0; i < inner; i++) {
        let best = x[base + i];
        let bestL = 0;
        for (let l = 1; l < len; l++) {
          const v = x[base + l * inner + i];
          if (v > best) {
            best = v;
            bestL = l;
          }
        }
        out[o * inner + i] = best;
        if (argmax !== null) argmax[o * inner + i] = bestL;
      }
    }
    return;
  }
  throw new Error(`reduce: unknown op '${op as string}'`);
}

/** out = x permuted to shape (shape[perm[0]], …), contiguous; walks the output with an index counter. */
export function permute(x: F32, shape: I32, perm: I32, out: F32): void {
  const rank = shape.length;
  let total = 1;
  for (let d = 0; d < rank; d++) total *= shape[d];
  if (total === 0) return;
  if (rank <= 1) {
    for (let i = 0; i < total; i++) out[i] = x[i];
    return;
  }
  // strides of x, then the stride of x that each output dimension walks
  const xStrides = new Int32Array(rank);
  let s = 1;
  for (let d = rank - 1; d >= 0; d--) {
    xStrides[d] = s;
    s *= shape[d];
  }
  const oShape = new Int32Array(rank);
  const oStrides = new Int32Array(rank);
  for (let d = 0; d < rank; d++) {
    oShape[d] = shape[perm[d]];
    oStrides[d] = xStrides[perm[d]];
  }
  const last = rank - 1;
  const len = oShape[last];
  const ls = oStrides[last];
  const idx = new Int32Array(rank);
  let xo = 0;
  for (let o = 0; o < total; o += len) {
    for (let j = 0; j < len; j++) out[o + j] = x[xo + j * ls];
    for (let d = last - 1; d >= 0; d--) {
      idx[d]++;
      xo += oStrides[d];
      if (idx[d] < oShape[d]) break;
      xo -= oStrides[d] * oShape[d];
      idx[d] = 0;
    }
  }
}

/** dst[dstOff + r·dstStride + j] (= or +=) src[srcOff + r·srcStride + j], rows × len. */
export function copyRows(
  src: F32,
  srcOff: number,
  srcStride: number,
  dst: F32,
  dstOff: number,
  dstStride: number,
  rows: number,
  len: number,
  accumulate: boolean,
): void {
  for (let r = 0; r < rows; r++) {
    const so = srcOff + r * srcStride;
    const d0 = dstOff + r * dstStride;
    if (accumulate) {
      for (let j = 0; j < len; j++) dst[d0 + j] += src[so + j];
    } else if (len > 64) {
      dst.set(src.subarray(so, so + len), d0);
    } else {
      for (let j = 0; j < len; j++) dst[d0 + j] = src[so + j];
    }
  }
}

/** out[i, :] = table[ids[i], :]. */
export function gather(table: F32, ids: I32, dim: number, out: F32): void {
  const n = ids.length;
  for (let i = 0; i < n; i++) {
    const t = ids[i] * dim;
    const o = i * dim;
    for (let j = 0; j < dim; j++) out[o + j] = table[t + j];
  }
}

/** dTable[ids[i], :] += dOut[i, :]. */
export function scatterAdd(dTable: F32, ids: I32, dim: number, dOut: F32): void {
  const n = ids.length;
  for (let i = 0; i < n; i++) {
    const t = ids[i] * dim;
    const o = i * dim;
    for (let j = 0; j < dim; j++) dTable[t + j] += dOut[o + j];
  }
}
