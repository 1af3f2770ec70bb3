/**
 * The kernel backend interface: every hot loop of rein runs behind it.
 *
 * Two implementations must agree within float32 tolerance on the same inputs:
 * - `js`     (kernels/js):     plain TypeScript, the definition of correct;
 * - `native` (kernels/native): an N-API addon in C on OpenBLAS + OpenMP.
 *
 * Conventions, for every kernel:
 * - All tensors are dense, row-major, float32 (`F32`), token ids are `Int32Array`.
 * - Arrays may be `subarray` views; a kernel touches only the elements it is told to.
 * - Outputs are written, not accumulated ("set"), unless the doc says "accumulates".
 * - Sizes are element counts, never bytes. A kernel never allocates its outputs.
 * - Positional arguments only (an options object costs property lookups per call in N-API).
 */
import type { RopeScaling } from './rope-frequencies.js';

export type F32 = Float32Array;
export type I32 = Int32Array;

/** Elementwise unary ops. The `pow` op takes the exponent as `param`; `scale` computes x·param. */
export const UNARY_OPS = [
  'neg',
  'exp',
  'log',
  'tanh',
  'sigmoid',
  'gelu', // tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
  'silu',
  'relu',
  'sqrt',
  'rsqrt',
  'square',
  'abs',
  'pow', // x^param
  'scale', // x·param
] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];

/** Elementwise binary ops (with broadcasting, see `binary`). */
export const BINARY_OPS = ['add', 'sub', 'mul', 'div', 'max', 'min'] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];

/** Reductions along one axis (see `reduce`). */
export const REDUCE_OPS = ['sum', 'max'] as const;
export type ReduceOp = (typeof REDUCE_OPS)[number];

export interface Backend {
  readonly name: 'js' | 'native';

  // ---------------------------------------------------------------- matmul
  /**
   * Batched row-major GEMM: for each b < batch,
   *   C_b = alpha · op(A_b) · op(B_b) + beta · C_b,   op(X) = Xᵀ when its trans flag is set,
   * with op(A_b) (m, k), op(B_b) (k, n), C_b (m, n). A_b is stored (m, k), or (k, m) when transA,
   * and starts at a[b·strideA]; likewise B_b, C_b. A stride of 0 reuses one matrix for every b.
   * beta = 0 must ignore what C holds (it may be uninitialised, even NaN).
   */
  gemm(
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
  ): void;

  // ---------------------------------------------------------------- elementwise
  /** out[i] = op(x[i]) for i < n. `param` is used by 'pow' and 'scale'. */
  unary(op: UnaryOp, x: F32, out: F32, n: number, param: number): void;

  /**
   * Accumulates the gradient of `unary`: dx[i] += dy[i] · op'(x[i]) for i < n.
   * y holds the forward output (some derivatives are cheaper from it: exp, tanh, sigmoid, sqrt, rsqrt).
   */
  unaryBackward(op: UnaryOp, x: F32, y: F32, dy: F32, dx: F32, n: number, param: number): void;

  /**
   * Broadcasting binary op over an output of shape `shape` (rank ≤ 8):
   *   out[idx] = a[Σ idx_d·aStrides_d] ∘ b[Σ idx_d·bStrides_d].
   * Strides are in elements; a broadcast dimension has stride 0. out is contiguous.
   * out may alias a or b when that operand is laid out exactly like out (in-place elementwise).
   */
  binary(op: BinaryOp, a: F32, aStrides: I32, b: F32, bStrides: I32, out: F32, shape: I32): void;

  /**
   * Broadcast-reduce (the adjoint of broadcasting), accumulating:
   *   out[Σ idx_d·outStrides_d] += x[idx] for every index idx of the contiguous `shape`.
   * Dimensions that were broadcast have out stride 0, so they are summed over.
   */
  sumToStrides(x: F32, shape: I32, out: F32, outStrides: I32): void;

  /** out[i] = mask[i] !== 0 ? a[i] : b[i] for i < n (all same shape; the tensor layer broadcasts first). */
  where(mask: F32, a: F32, b: F32, out: F32, n: number): void;

  /**
   * Inverted dropout on a counter-based mask: element i is dropped when h(key, i) < dropBelow
   * (p·2³²; h a 32-bit integer hash of the key and i), kept ×keepScale otherwise — mask[i] ∈
   * {0, keepScale}, out[i] = x[i]·mask[i]. A (key, i) gives the same bit on every backend, and the
   * mask needs no generator state: one key per call.
   */
  dropout(x: F32, n: number, key: number, dropBelow: number, keepScale: number, mask: F32, out: F32): void;

  // ---------------------------------------------------------------- layout
  /**
   * Reduction along the middle axis of x viewed as (outer, len, inner), writing (outer, inner).
   * For 'max', `argmax` (if given) receives the index along the axis of each maximum (first one wins);
   * 'max' needs len ≥ 1 (the backends differ on an empty axis; the tensor layer's max and argmax throw).
   */
  reduce(op: ReduceOp, x: F32, outer: number, len: number, inner: number, out: F32, argmax: I32 | null): void;

  /** out = x permuted: out has shape shape[perm[0]], shape[perm[1]], … (rank ≤ 8, contiguous). */
  permute(x: F32, shape: I32, perm: I32, out: F32): void;

  /**
   * Copies `rows` rows of `len` elements: dst[dstOff + r·dstStride + j] (= or +=) src[srcOff + r·srcStride + j].
   * Slice, concat, and their backward passes are all this one kernel.
   */
  copyRows(
    src: F32,
    srcOff: number,
    srcStride: number,
    dst: F32,
    dstOff: number,
    dstStride: number,
    rows: number,
    len: number,
    accumulate: boolean,
  ): void;

  // ---------------------------------------------------------------- embedding
  /** out[i, :] = table[ids[i], :] for i < ids.length, rows of `dim`. Ids are checked by the caller. */
  gather(table: F32, ids: I32, dim: number, out: F32): void;
  /** Accumulates: dTable[ids[i], :] += dOut[i, :] (repeated ids add up). */
  scatterAdd(dTable: F32, ids: I32, dim: number, dOut: F32): void;

  // ---------------------------------------------------------------- softmax family (last axis)
  /** out[r, :] = softmax(x[r, :]) over rows of n. */
  softmax(x: F32, rows: number, n: number, out: F32): void;
  /** Accumulates dx += y ⊙ (dy − Σ dy⊙y) per row, y = softmax output. */
  softmaxBackward(y: F32, dy: F32, rows: number, n: number, dx: F32): void;
  /** out[r, :] = x[r, :] − logsumexp(x[r, :]). */
  logSoftmax(x: F32, rows: number, n: number, out: F32): void;
  /** Accumulates dx += dy − exp(y) · Σ dy per row, y = logSoftmax output. */
  logSoftmaxBackward(y: F32, dy: F32, rows: number, n: number, dx: F32): void;

  /**
   * Fused cross-entropy per row: losses[r] = logsumexp(logits[r]) − logits[r, targets[r]],
   * and 0 where targets[r] === ignoreIndex. Returns nothing; the caller reduces.
   */
  crossEntropy(
    logits: F32,
    targets: I32,
    rows: number,
    vocab: number,
    ignoreIndex: number,
    losses: F32,
  ): void;
  /**
   * Accumulates dLogits[r, :] += dLoss[r] · (softmax(logits[r]) − onehot(targets[r])); rows with the
   * ignore index get nothing.
   */
  crossEntropyBackward(
    logits: F32,
    targets: I32,
    dLoss: F32,
    rows: number,
    vocab: number,
    ignoreIndex: number,
    dLogits: F32,
  ): void;

  // ---------------------------------------------------------------- norms (last axis)
  /**
   * LayerNorm over rows of n: out = (x − μ)·rstd·w + b (b may be null).
   * Writes mean[r] and rstd[r] = 1/√(var + eps) for the backward pass.
   */
  layerNorm(
    x: F32,
    w: F32,
    b: F32 | null,
    rows: number,
    n: number,
    eps: number,
    out: F32,
    mean: F32,
    rstd: F32,
  ): void;
  /** Accumulates dx, dw and db (db may be null) of layerNorm. */
  layerNormBackward(
    dy: F32,
    x: F32,
    w: F32,
    mean: F32,
    rstd: F32,
    rows: number,
    n: number,
    dx: F32,
    dw: F32,
    db: F32 | null,
  ): void;
  /** RMSNorm over rows of n: out = x · rstd · w, rstd[r] = 1/√(mean(x²) + eps). */
  rmsNorm(x: F32, w: F32, rows: number, n: number, eps: number, out: F32, rstd: F32): void;
  /** Accumulates dx and dw of rmsNorm. */
  rmsNormBackward(dy: F32, x: F32, w: F32, rstd: F32, rows: number, n: number, dx: F32, dw: F32): void;

  // ---------------------------------------------------------------- attention
  /**
   * Rotary position embedding on x of shape (B, T, H, D), interleaved pairs (x[2i], x[2i+1])
   * rotated by angle pos·theta^(−2i/D) (with `scaling`, Llama 3's slower low frequencies:
   * rope-frequencies.ts), pos = positions[b·T + t]. `inverse` rotates by −angle (that is the
   * backward pass). out may alias x.
   */
  rope(
    x: F32,
    B: number,
    T: number,
    H: number,
    D: number,
    positions: I32,
    theta: number,
    inverse: boolean,
    out: F32,
    scaling?: RopeScaling | null,
  ): void;

  /**
   * Scaled dot-product attention with a causal mask and grouped KV heads.
   *   q: (B, Tq, Hq, D) contiguous;  k, v: batch b starts at b·kvBatchStride, then (Tk, Hkv, D).
   *   Query head h reads KV head floor(h / (Hq / Hkv)).
   *   Query t (absolute position qStart + t) sees key j iff keyStart[b] ≤ j ≤ qStart + t
   *   (keyStart may be null = 0: it masks a left-padded batch's pad keys). With B·Tq entries
   *   (Tq > 1) keyStart is per query instead, keyStart[b·Tq + t]: rows that pack several
   *   sequences side by side, each query seeing its own sequence's keys only.
   *   out: (B, Tq, Hq, D). probs (if not null): (B, Hq, Tq, Tk), the attention weights, kept for
   *   the backward pass. A query with no visible key outputs zeros.
   */
  attention(
    q: F32,
    k: F32,
    v: F32,
    B: number,
    Tq: number,
    Tk: number,
    Hq: number,
    Hkv: number,
    D: number,
    kvBatchStride: number,
    qStart: number,
    keyStart: I32 | null,
    scale: number,
    out: F32,
    probs: F32 | null,
  ): void;

  /**
   * Accumulates dq, dk, dv of `attention` (q, dq as in `attention`; k, v, dk, dv contiguous
   * (B, Tk, Hkv, D), i.e. no KV cache). Masked keys have probs 0, so no mask arguments are needed.
   */
  attentionBackward(
    q: F32,
    k: F32,
    v: F32,
    probs: F32,
    dOut: F32,
    B: number,
    Tq: number,
    Tk: number,
    Hq: number,
    Hkv: number,
    D: number,
    scale: number,
    dq: F32,
    dk: F32,
    dv: F32,
  ): void;

  // ---------------------------------------------------------------- optimiser
  /**
   * One AdamW step (decoupled weight decay, bias-corrected), in place on n elements:
   *   m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;
   *   p -= lr · ( (m / (1−β1^step)) / (√(v / (1−β2^step)) + eps) + wd·p ).
   */
  adamw(
    p: F32,
    g: F32,
    m: F32,
    v: F32,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    step: number,
  ): void;

  /** Σ x[i]² for i < n, accumulated in float64 (for gradient-norm clipping). */
  sumSquares(x: F32, n: number): number;
}
