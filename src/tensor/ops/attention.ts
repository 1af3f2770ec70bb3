/**
 * Fused causal self-attention on (B, T, H, D) layouts with grouped KV heads and an optional KV cache,
 * and rotary position embeddings (rope).
 */
import { getBackend } from '../../kernels/index.js';
import { pool } from '../../kernels/pool.js';
import type { RopeScaling } from '../../kernels/rope-frequencies.js';
import { gradOf, isGradEnabled, needsGrad, record, saveForBackward } from '../autograd.js';
import { fmt } from '../shape.js';
import { Tensor } from '../tensor.js';

/**
 * Keys and values of past positions for incremental decoding: buffers (B, Tmax, Hkv, D) and the
 * number of positions filled. One per attention layer; reuse it across generations with reset().
 * Its buffers are plain tensors created by the caller's scope (create it outside per-token scopes).
 */
export class KVCache {
  readonly k: Tensor;
  readonly v: Tensor;
  /** Positions 0 … length−1 hold keys/values. */
  length = 0;

  constructor(
    readonly B: number,
    readonly Tmax: number,
    readonly Hkv: number,
    readonly D: number,
  ) {
    this.k = Tensor.empty([B, Tmax, Hkv, D]);
    this.v = Tensor.empty([B, Tmax, Hkv, D]);
  }

  reset(): void {
    this.length = 0;
  }

  dispose(): void {
    this.k.dispose();
    this.v.dispose();
  }
}

export interface AttentionOptions {
  /** Score scale; default 1/√D. */
  scale?: number;
  /**
   * Absolute position of the first query. Without a cache the default is Tk − Tq (queries are the
   * last Tq positions of the keys); with a cache it is cache.length.
   */
  qStart?: number;
  /**
   * The first visible key: per batch row (B entries; masks left padding), or per query (B·Tq
   * entries: rows that pack several sequences, each query seeing only its own); default 0.
   */
  keyStart?: Int32Array | null;
  /**
   * KV cache (inference only): k and v are the new keys/values (B, Tq, Hkv, D); they are written at
   * positions qStart … qStart+Tq−1, then the queries attend to keys 0 … qStart+Tq−1. cache.length
   * becomes qStart + Tq.
   */
  cache?: KVCache | null;
}

/**
 * Causal attention: q (B, Tq, Hq, D), k and v (B, Tk, Hkv, D) → out (B, Tq, Hq, D). Query head h
 * reads KV head ⌊h / (Hq/Hkv)⌋; query t (at position qStart + t) sees keys keyStart[b] ≤ j ≤ qStart + t
 * (or keyStart[b·Tq + t] ≤ j with a start per query).
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  q.assertLive('attention', 'q');
  k.assertLive('attention', 'k');
  v.assertLive('attention', 'v');
  if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4) {
    throw new Error(
      `attention: q ${fmt(q.shape)}, k ${fmt(k.shape)}, v ${fmt(v.shape)}: all must be (B, T, H, D)`,
    );
  }
  const [B, Tq, Hq, D] = q.shape;
  const [kB, kT, Hkv, kD] = k.shape;
  if (kB !== B || kD !== D || Hkv === 0 || Hq % Hkv !== 0) {
    throw new Error(
      `attention: q ${fmt(q.shape)} and k ${fmt(k.shape)}: need the same B and D, and Hq a multiple of Hkv`,
    );
  }
  if (v.shape[0] !== kB || v.shape[1] !== kT || v.shape[2] !== Hkv || v.shape[3] !== D) {
    throw new Error(`attention: k ${fmt(k.shape)} and v ${fmt(v.shape)}: shapes differ`);
  }
  const keyStart = opts.keyStart ?? null;
  if (keyStart !== null && keyStart.length !== B && keyStart.length !== B * Tq) {
    throw new Error(
      `attention: keyStart has ${keyStart.length} entries, q ${fmt(q.shape)} needs B = ${B} or B·Tq = ${B * Tq}`,
    );
  }
  const scale = opts.scale ?? 1 / Math.sqrt(D);
  const cache = opts.cache ?? null;
  const be = getBackend();
  const out = Tensor.empty(q.shape);

  if (cache !== null) {
    if (isGradEnabled() && (q.requiresGrad || k.requiresGrad || v.requiresGrad)) {
      throw new Error('attention: a KV cache is for inference; run under noGrad (or pass no cache)');
    }
    if (cache.B !== B || cache.Hkv !== Hkv || cache.D !== D) {
      throw new Error(
        `attention: cache (${cache.B},${cache.Tmax},${cache.Hkv},${cache.D}) does not fit k ${fmt(k.shape)}`,
      );
    }
    if (kT !== Tq)
      throw new Error(`attention: with a cache, k ${fmt(k.shape)} must hold the Tq = ${Tq} new keys`);
    const qStart = opts.qStart ?? cache.length;
    if (qStart < 0 || qStart + Tq > cache.Tmax) {
      throw new Error(
        `attention: positions ${qStart}…${qStart + Tq - 1} exceed the cache capacity Tmax = ${cache.Tmax}`,
      );
    }
    // write the new keys/values into each batch row of the cache, then attend over 0 … qStart+Tq−1
    const rowLen = Tq * Hkv * D;
    const stride = cache.Tmax * Hkv * D;
    be.copyRows(k.data, 0, rowLen, cache.k.data, qStart * Hkv * D, stride, B, rowLen, false);
    be.copyRows(v.data, 0, rowLen, cache.v.data, qStart * Hkv * D, stride, B, rowLen, false);
    const Tk = qStart + Tq;
    be.attention(
      q.data,
      cache.k.data,
      cache.v.data,
      B,
      Tq,
      Tk,
      Hq,
      Hkv,
      D,
      stride,
      qStart,
      keyStart,
      scale,
      out.data,
      null,
    );
    cache.length = Tk;
    return out;
  }

  const Tk = kT;
  const qStart = opts.qStart ?? Tk - Tq;
  if (qStart < 0) throw new Error(`attention: qStart ${qStart} < 0 (q ${fmt(q.shape)}, k ${fmt(k.shape)})`);
  const grad = needsGrad(q, k, v);
  const probs = grad ? Tensor.empty([B, Hq, Tq, Tk]) : null;
  be.attention(
    q.data,
    k.data,
    v.data,
    B,
    Tq,
    Tk,
    Hq,
    Hkv,
    D,
    Tk * Hkv * D,
    qStart,
    keyStart,
    scale,
    out.data,
    probs === null ? null : probs.data,
  );
  if (grad) {
    record(out, [q, k, v], () => {
      const dQ = q.requiresGrad ? gradOf(q) : pool.allocZeroed(q.size);
      const dK = k.requiresGrad ? gradOf(k) : pool.allocZeroed(k.size);
      const dV = v.requiresGrad ? gradOf(v) : pool.allocZeroed(v.size);
      getBackend().attentionBackward(
        q.data,
        k.data,
        v.data,
        probs!.data,
        out.grad!,
        B,
        Tq,
        Tk,
        Hq,
        Hkv,
        D,
        scale,
        dQ,
        dK,
        dV,
      );
      if (!q.requiresGrad) pool.release(dQ);
      if (!k.requiresGrad) pool.release(dK);
      if (!v.requiresGrad) pool.release(dV);
    });
    saveForBackward(out, 'attention', probs!);
  }
  return out;
}

/**
 * Rotary position embedding of x (B, T, H, D) (interleaved pairs, angle pos·theta^(−2i/D); with
 * `scaling`, Llama 3's slower low frequencies).
 * `positions`: one position per (b, t) (length B·T), or a number p0 meaning p0 + t for every row.
 * Backward: dX += rope⁻¹(dOut) (the inverse rotation).
 */
export function rope(
  x: Tensor,
  positions: Int32Array | number,
  theta = 10000,
  scaling: RopeScaling | null = null,
): Tensor {
  x.assertLive('rope', 'x');
  if (x.rank !== 4) throw new Error(`rope: x ${fmt(x.shape)} must be (B, T, H, D)`);
  const [B, T, H, D] = x.shape;
  if (D % 2 !== 0) throw new Error(`rope: x ${fmt(x.shape)}: D must be even`);
  let pos: Int32Array;
  if (typeof positions === 'number') {
    pos = new Int32Array(B * T);
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) pos[b * T + t] = positions + t;
  } else {
    if (positions.length !== B * T) {
      throw new Error(
        `rope: positions has ${positions.length} entries, x ${fmt(x.shape)} needs B·T = ${B * T}`,
      );
    }
    pos = needsGrad(x) ? positions.slice() : positions; // kept for backward: the caller may reuse its buffer
  }
  const out = Tensor.empty(x.shape);
  getBackend().rope(x.data, B, T, H, D, pos, theta, false, out.data, scaling);
  if (needsGrad(x)) {
    record(out, [x], () => {
      const be = getBackend();
      const tmp = pool.alloc(x.size);
      be.rope(out.grad!, B, T, H, D, pos, theta, true, tmp, scaling);
      be.copyRows(tmp, 0, 0, gradOf(x), 0, 0, 1, x.size, true);
      pool.release(tmp);
    });
  }
  return out;
}
