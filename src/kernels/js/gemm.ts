import type { F32 } from '../backend.js';
import { scratch } from './scratch.js';

/**
 * Batched row-major GEMM, C_b = alpha·op(A_b)·op(B_b) + beta·C_b (see Backend.gemm).
 *
 * Rows of op(A) are first gathered into float64 rows (this also handles transA), then C is computed
 * four rows at a time so every element of B read from memory serves four multiply-adds:
 * - B not transposed: rows of C accumulate Σ_p A(i,p)·B(p,:) in float64 rows;
 * - B transposed: C(i,j) is a float64 dot product of row i of op(A) with stored row j of B.
 * Sums stay in float64 until the final write, so long inner dimensions keep their precision, and
 * beta = 0 never reads C (it may hold NaN).
 */
export function gemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: F32,
  strideA: number,
  b: F32,
  strideB: number,
  beta: number,
  c: F32,
  strideC: number,
  batch: number,
): void {
  const aRows = scratch(1, 4 * k);
  const acc = scratch(0, 4 * n);
  for (let bi = 0; bi < batch; bi++) {
    const a0 = bi * strideA;
    const b0 = bi * strideB;
    const c0 = bi * strideC;
    for (let i = 0; i < m; i += 4) {
      const rows = Math.min(4, m - i);
      // gather rows i … i+rows−1 of op(A) into aRows (row r at r·k)
      for (let r = 0; r < rows; r++) {
        const dst = r * k;
        if (transA) {
          for (let p = 0; p < k; p++) aRows[dst + p] = a[a0 + p * m + i + r];
        } else {
          const o = a0 + (i + r) * k;
          for (let p = 0; p < k; p++) aRows[dst + p] = a[o + p];
        }
      }
      if (rows === 4) {
        if (transB) dot4(aRows, b, b0, n, k, acc);
        else axpy4(aRows, b, b0, n, k, acc);
      } else {
        for (let r = 0; r < rows; r++) {
          if (transB) dot1(aRows, r * k, b, b0, n, k, acc, r * n);
          else axpy1(aRows, r * k, b, b0, n, k, acc, r * n);
        }
      }
      for (let r = 0; r < rows; r++) {
        const oc = c0 + (i + r) * n;
        const oa = r * n;
        if (beta === 0) {
          for (let j = 0; j < n; j++) c[oc + j] = alpha * acc[oa + j];
        } else {
          for (let j = 0; j < n; j++) c[oc + j] = alpha * acc[oa + j] + beta * c[oc + j];
        }
      }
    }
  }
}

/** acc[r·n + j] = Σ_p aRows[r·k + p]·B(p, j) for r < 4, B stored (k, n) from b0. */
function axpy4(aRows: Float64Array, b: F32, b0: number, n: number, k: number, acc: Float64Array): void {
  acc.fill(0, 0, 4 * n);
  const n2 = 2 * n;
  const n3 = 3 * n;
  for (let p = 0; p < k; p++) {
    const x0 = aRows[p];
    const x1 = aRows[k + p];
    const x2 = aRows[2 * k + p];
    const x3 = aRows[3 * k + p];
    const o = b0 + p * n;
    for (let j = 0; j < n; j++) {
      const bv = b[o + j];
      acc[j] += x0 * bv;
      acc[n + j] += x1 * bv;
      acc[n2 + j] += x2 * bv;
      acc[n3 + j] += x3 * bv;
    }
  }
}

function axpy1(
  aRows: Float64Array,
  ao: number,
  b: F32,
  b0: number,
  n: number,
  k: number,
  acc: Float64Array,
  co: number,
): void {
  acc.fill(0, co, co + n);
  for (let p = 0; p < k; p++) {
    const x = aRows[ao + p];
    const o = b0 + p * n;
    for (let j = 0; j < n; j++) acc[co + j] += x * b[o + j];
  }
}

/** acc[r·n + j] = Σ_p aRows[r·k + p]·B[j, p] for r < 4, B stored (n, k) from b0. */
function dot4(aRows: Float64Array, b: F32, b0: number, n: number, k: number, acc: Float64Array): void {
  const k2 = 2 * k;
  const k3 = 3 * k;
  for (let j = 0; j < n; j++) {
    const o = b0 + j * k;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let p = 0; p < k; p++) {
      const bv = b[o + p];
      s0 += aRows[p] * bv;
      s1 += aRows[k + p] * bv;
      s2 += aRows[k2 + p] * bv;
      s3 += aRows[k3 + p] * bv;
    }
    acc[j] = s0;
    acc[n + j] = s1;
    acc[2 * n + j] = s2;
    acc[3 * n + j] = s3;
  }
}

function dot1(
  aRows: Float64Array,
  ao: number,
  b: F32,
  b0: number,
  n: number,
  k: number,
  acc: Float64Array,
  co: number,
): void {
  for (let j = 0; j < n; j++) {
    const o = b0 + j * k;
    let s = 0;
    for (let p = 0; p < k; p++) s += aRows[ao + p] * b[o + p];
    acc[co + j] = s;
  }
}
