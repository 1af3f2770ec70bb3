/**
 * Batched matrix multiply with either side transposed, through Backend.gemm's transpose flags
 * (a transpose is never materialised).
 *
 *   a: (..., m, k), or (..., k, m) with transA;   b: (..., k, n), or (..., n, k) with transB;
 *   out: (broadcast(...a, ...b), m, n).
 *
 * Batch dims broadcast (numpy). The common Linear case — a batched activation times one weight
 * matrix — is folded into a single GEMM with m = batch·rows, and its weight gradient is one GEMM
 * with k = batch·rows. Other broadcast patterns call the GEMM per batch with offsets.
 *
 * Backward, with op(X) the possibly transposed operand:
 *   dA = dC · op(B)ᵀ   (stored transposed again when transA:  dAᵀ = op(B) · dCᵀ)
 *   dB = op(A)ᵀ · dC   (when transB:  dBᵀ = dCᵀ · op(A))
 * both accumulated with beta = 1.
 */
import { getBackend } from '../../kernels/index.js';
import { gradOf, needsGrad, record } from '../autograd.js';
import { fmt } from '../shape.js';
import { Tensor } from '../tensor.js';

export interface MatmulOptions {
  /** Use aᵀ: a is stored (..., k, m). */
  transA?: boolean;
  /** Use bᵀ: b is stored (..., n, k) — e.g. a Linear weight (out, in). */
  transB?: boolean;
}

interface Plan {
  m: number;
  n: number;
  k: number;
  outShape: number[];
  /** Number of GEMMs over the broadcast batch. */
  batch: number;
  /** Element offsets of each batch's A, B (C is contiguous: b·m·n). */
  aOff: Int32Array;
  bOff: Int32Array;
  /** Uniform strides when the offsets are b·stride (stride 0 = broadcast), else -1. */
  strideA: number;
  strideB: number;
}

function planMatmul(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Plan {
  a.assertLive('matmul', 'a');
  b.assertLive('matmul', 'b');
  if (a.rank < 2 || b.rank < 2) {
    throw new Error(`matmul: a ${fmt(a.shape)} and b ${fmt(b.shape)}: both need at least 2 dims`);
  }
  const ar = a.rank;
  const br = b.rank;
  const m = transA ? a.shape[ar - 1] : a.shape[ar - 2];
  const ka = transA ? a.shape[ar - 2] : a.shape[ar - 1];
  const kb = transB ? b.shape[br - 1] : b.shape[br - 2];
  const n = transB ? b.shape[br - 2] : b.shape[br - 1];
  if (ka !== kb) {
    const flags = `${transA ? ' (transA)' : ''}${transB ? ' (transB)' : ''}`;
    throw new Error(
      `matmul: a ${fmt(a.shape)} and b ${fmt(b.shape)}${flags}: inner dims differ (${ka} vs ${kb})`,
    );
  }
  const aBatch = a.shape.slice(0, ar - 2);
  const bBatch = b.shape.slice(0, br - 2);
  const rank = Math.max(aBatch.length, bBatch.length);
  const outBatch: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = i < rank - aBatch.length ? 1 : aBatch[i - (rank - aBatch.length)];
    const db = i < rank - bBatch.length ? 1 : bBatch[i - (rank - bBatch.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`matmul: a ${fmt(a.shape)} and b ${fmt(b.shape)}: batch dims do not broadcast`);
    }
    outBatch.push(da === 1 ? db : da);
  }
  let batch = 1;
  for (const d of outBatch) batch *= d;
  const aMat = m * ka;
  const bMat = kb * n;
  const aOff = batchOffsets(aBatch, outBatch, aMat, batch);
  const bOff = batchOffsets(bBatch, outBatch, bMat, batch);
  return {
    m,
    n,
    k: ka,
    outShape: [...outBatch, m, n],
    batch,
    aOff,
    bOff,
    strideA: uniformStride(aOff, aMat),
    strideB: uniformStride(bOff, bMat),
  };
}

/** Offset of each output batch's matrix inside an operand with batch dims `shape` (broadcast → repeats). */
function batchOffsets(
  shape: readonly number[],
  outBatch: readonly number[],
  mat: number,
  batch: number,
): Int32Array {
  const offs = new Int32Array(batch);
  const rank = outBatch.length;
  const strides = new Array<number>(rank).fill(0);
  let acc = mat;
  for (let i = shape.length - 1; i >= 0; i--) {
    const o = i + rank - shape.length;
    strides[o] = shape[i] === 1 ? 0 : acc;
    acc *= shape[i];
  }
  const idx = new Array<number>(rank).fill(0);
  for (let b = 0; b < batch; b++) {
    let off = 0;
    for (let d = 0; d < rank; d++) off += idx[d] * strides[d];
    offs[b] = off;
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < outBatch[d]) break;
      idx[d] = 0;
    }
  }
  return offs;
}

/** mat when offsets are b·mat, 0 when all zero, −1 otherwise. */
function uniformStride(offs: Int32Array, mat: number): number {
  let all0 = true;
  let contiguous = true;
  for (let b = 0; b < offs.length; b++) {
    if (offs[b] !== 0) all0 = false;
    if (offs[b] !== b * mat) contiguous = false;
  }
  return all0 ? 0 : contiguous ? mat : -1;
}

/** Batched matmul with optional transposes (see the module comment). */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const transA = opts.transA === true;
  const transB = opts.transB === true;
  const P = planMatmul(a, b, transA, transB);
  const { m, n, k, batch } = P;
  const out = Tensor.empty(P.outShape);
  const be = getBackend();
  // fold: A has a full contiguous batch and B is shared → one GEMM of (batch·m, k) · op(B)
  const fold = !transA && P.strideA === m * k && P.strideB === 0 && batch > 1;
  if (fold || batch === 1) {
    be.gemm(transA, transB, m * batch, n, k, 1, a.data, 0, b.data, 0, 0, out.data, 0, 1);
  } else if (P.strideA >= 0 && P.strideB >= 0) {
    be.gemm(transA, transB, m, n, k, 1, a.data, P.strideA, b.data, P.strideB, 0, out.data, m * n, batch);
  } else {
    for (let i = 0; i < batch; i++) {
      be.gemm(
        transA,
        transB,
        m,
        n,
        k,
        1,
        a.data.subarray(P.aOff[i]),
        0,
        b.data.subarray(P.bOff[i]),
        0,
        0,
        out.data.subarray(i * m * n),
        0,
        1,
      );
    }
  }
  if (needsGrad(a, b)) {
    record(out, [a, b], () => {
      const be = getBackend();
      const dC = out.grad!;
      if (a.requiresGrad) {
        const dA = gradOf(a);
        if (fold || (batch === 1 && !transA)) {
          // dA (batch·m, k) += dC (batch·m, n) · op(B)ᵀ
          be.gemm(false, !transB, m * batch, k, n, 1, dC, 0, b.data, 0, 1, dA, 0, 1);
        } else if (batch === 1) {
          // A stored (k, m): dAᵀ (k, m) += op(B) (k, n) · dCᵀ (n, m)
          be.gemm(transB, true, k, m, n, 1, b.data, 0, dC, 0, 1, dA, 0, 1);
        } else {
          gradA(transA, transB, P, dC, b.data, dA);
        }
      }
      if (b.requiresGrad) {
        const dB = gradOf(b);
        if (fold || batch === 1) {
          const rows = m * batch;
          if (transB) {
            // dBᵀ (n, k) += dCᵀ (n, rows) · op(A) (rows, k)   (transA only when batch = 1)
            be.gemm(true, transA, n, k, rows, 1, dC, 0, a.data, 0, 1, dB, 0, 1);
          } else {
            // dB (k, n) += Aᵀ (k, rows) · dC (rows, n)   (transA here only when batch = 1)
            be.gemm(!transA, false, k, n, rows, 1, a.data, 0, dC, 0, 1, dB, 0, 1);
          }
        } else {
          gradB(transA, transB, P, dC, a.data, dB);
        }
      }
    });
  }
  return out;
}

/** dA for the batched case: one GEMM per batch (sequential, so broadcast A accumulates safely). */
function gradA(
  transA: boolean,
  transB: boolean,
  P: Plan,
  dC: Float32Array,
  b: Float32Array,
  dA: Float32Array,
): void {
  const be = getBackend();
  const { m, n, k, batch } = P;
  const direct = P.strideA === m * k && P.strideB >= 0;
  if (direct) {
    // each batch writes its own dA_b: one batched call
    if (!transA) be.gemm(false, !transB, m, k, n, 1, dC, m * n, b, P.strideB, 1, dA, m * k, batch);
    else be.gemm(transB, true, k, m, n, 1, b, P.strideB, dC, m * n, 1, dA, m * k, batch);
    return;
  }
  for (let i = 0; i < batch; i++) {
    const dCi = dC.subarray(i * m * n);
    const bi = b.subarray(P.bOff[i]);
    const dAi = dA.subarray(P.aOff[i]);
    if (!transA) be.gemm(false, !transB, m, k, n, 1, dCi, 0, bi, 0, 1, dAi, 0, 1);
    else be.gemm(transB, true, k, m, n, 1, bi, 0, dCi, 0, 1, dAi, 0, 1);
  }
}

/** dB for the batched case (see gradA). */
function gradB(
  transA: boolean,
  transB: boolean,
  P: Plan,
  dC: Float32Array,
  a: Float32Array,
  dB: Float32Array,
): void {
  const be = getBackend();
  const { m, n, k, batch } = P;
  const direct = P.strideB === k * n && P.strideA >= 0;
  if (direct) {
    if (!transB) be.gemm(!transA, false, k, n, m, 1, a, P.strideA, dC, m * n, 1, dB, k * n, batch);
    else be.gemm(true, transA, n, k, m, 1, dC, m * n, a, P.strideA, 1, dB, k * n, batch);
    return;
  }
  for (let i = 0; i < batch; i++) {
    const dCi = dC.subarray(i * m * n);
    const ai = a.subarray(P.aOff[i]);
    const dBi = dB.subarray(P.bOff[i]);
    if (!transB) be.gemm(!transA, false, k, n, m, 1, ai, 0, dCi, 0, 1, dBi, 0, 1);
    else be.gemm(true, transA, n, k, m, 1, dCi, 0, ai, 0, 1, dBi, 0, 1);
  }
}
