import type { F32 } from '../backend.js';
import { scratch } from './scratch.js';

/**
 * Batched row-major GEMM, C_b = alpha·op(A_b)·op(B_b) + beta·C_b (see Backend.gemm).
 *
 * Each row of C is accumulated in a float64 row before it is written, so long inner dimensions
 * do not lose precision and beta = 0 never reads C (it may hold NaN).
 * - B not transposed: row i of C is Σ_p A(i,p)·B(p,:), streaming contiguous rows of B.
 * - B transposed: C(i,j) is a dot product of row i of op(A) with row j of the stored B.
 * When A is transposed, its column i is gathered into a float64 row first.
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
  const acc = scratch(0, n);
  const aRow = scratch(1, k);
  for (let bi = 0; bi < batch; bi++) {
    const a0 = bi * strideA;
    const b0 = bi * strideB;
    const c0 = bi * strideC;
    for (let i = 0; i < m; i++) {
      // row i of op(A) into aRow
      if (transA) {
        for (let p = 0; p < k; p++) aRow[p] = a[a0 + p * m + i];
      } else {
        const o = a0 + i * k;
        for (let p = 0; p < k; p++) aRow[p] = a[o + p];
      }
      if (!transB) {
        for (let j = 0; j < n; j++) acc[j] = 0;
        for (let p = 0; p < k; p++) {
          const aip = aRow[p];
          const o = b0 + p * n;
          for (let j = 0; j < n; j++) acc[j] += aip * b[o + j];
        }
      } else {
        for (let j = 0; j < n; j++) {
          const o = b0 + j * k;
          let s = 0;
          for (let p = 0; p < k; p++) s += aRow[p] * b[o + p];
          acc[j] = s;
        }
      }
      const oc = c0 + i * n;
      if (beta === 0) {
        for (let j = 0; j < n; j++) c[oc + j] = alpha * acc[j];
      } else {
        for (let j = 0; j < n; j++) c[oc + j] = alpha * acc[j] + beta * c[oc + j];
      }
    }
  }
}
