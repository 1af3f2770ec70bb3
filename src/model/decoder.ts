/**
 * The inference engine behind generation: the same computation as Transformer.hidden + logits,
 * run straight on the kernel backend with buffers allocated once and reused for every token.
 *
 * Why not the tensor path: a decode step of a small model is ~80 tiny kernel calls, and there the
 * per-op cost of tensors (allocation, graph bookkeeping, scope tracking) is as large as the math.
 * Here a step allocates nothing: activations live in preallocated row buffers, keys and values
 * in one cache per layer laid out (B, Tmax, Hkv, D) — the layout the attention kernel reads with a
 * row stride, so the prompt pass and every decoding step attend straight from the cache (a step's
 * one query per head takes the kernel's loop path, threaded over rows and heads; it reads the whole
 * cache, and memory bandwidth bounds it) — and the output projections accumulate straight into the
 * residual stream (gemm with beta = 1). Weights are read from the model's tensors at `begin`, so a
 * model trained in place (PPO) is seen as it is now — LoRA adapters included: an adapted
 * projection adds s·(x·Aᵀ)·Bᵀ with two thin GEMMs, as the tensor path does.
 */
import type { Backend } from '../kernels/backend.js';
import { getBackend } from '../kernels/index.js';
import type { ModelConfig } from './config.js';
import type { Transformer } from './transformer.js';

type F32 = Float32Array;

/** A LoRA adapter of one projection, as the decoder reads it: A (r, in), B (out, r), scale α/r. */
interface LowRank {
  A: F32;
  B: F32;
  rank: number;
  scale: number;
}

interface LayerWeights {
  norm1: F32;
  norm1b: F32 | null;
  q: F32;
  qb: F32 | null;
  k: F32;
  kb: F32 | null;
  v: F32;
  vb: F32 | null;
  o: F32;
  ob: F32 | null;
  norm2: F32;
  norm2b: F32 | null;
  /** gpt: fc / proj; llama: gate / up / down. */
  up1: F32;
  up1b: F32 | null;
  up2: F32 | null;
  down: F32;
  downb: F32 | null;
}

export class Decoder {
  readonly config: ModelConfig;
  /** Most rows this decoder holds (its KV caches are sized for it). */
  readonly maxBatch: number;
  /** Most positions per row. */
  readonly maxLen: number;
  /** Rows in the current generation. */
  B = 0;
  /** Positions filled in the KV cache. */
  length = 0;

  private be: Backend;
  private readonly kCache: F32[];
  private readonly vCache: F32[];
  private start: Int32Array;
  private layers: LayerWeights[] = [];
  private tokEmb!: F32;
  private posEmb: F32 | null = null;
  private normF!: F32;
  private normFb: F32 | null = null;
  private head!: F32;
  /** LoRA adapters by the weight they adapt (empty for a model without them). */
  private readonly adapters = new Map<F32, LowRank>();
  private lowRankRows = new Float32Array(0);
  // row buffers (grown on demand to the largest rows·width seen)
  private rows = 0;
  private x = new Float32Array(0);
  private h = new Float32Array(0);
  private q = new Float32Array(0);
  private kNew = new Float32Array(0);
  private vNew = new Float32Array(0);
  private y = new Float32Array(0);
  private a = new Float32Array(0);
  private u = new Float32Array(0);
  private stat1 = new Float32Array(0);
  private stat2 = new Float32Array(0);
  private positions = new Int32Array(0);
  private xLast: F32;
  private logitsBuf: F32;

  constructor(
    private readonly model: Transformer,
    maxBatch: number,
    maxLen: number,
  ) {
    const c = model.config;
    if (maxLen > c.contextLength) {
      throw new Error(`Decoder: ${maxLen} positions exceed the model's context length ${c.contextLength}`);
    }
    this.config = c;
    this.maxBatch = maxBatch;
    this.maxLen = maxLen;
    this.be = getBackend();
    const kvSize = maxBatch * maxLen * c.nKvHeads * c.headDim;
    this.kCache = Array.from({ length: c.nLayers }, () => new Float32Array(kvSize));
    this.vCache = Array.from({ length: c.nLayers }, () => new Float32Array(kvSize));
    this.start = new Int32Array(maxBatch);
    this.xLast = new Float32Array(maxBatch * c.dim);
    this.logitsBuf = new Float32Array(maxBatch * c.vocabSize);
  }

  /** Starts a generation of B rows; row b's real tokens begin at position start[b] (left padding). */
  begin(B: number, start: Int32Array | null): void {
    if (B > this.maxBatch) throw new Error(`Decoder: batch ${B} exceeds its capacity ${this.maxBatch}`);
    this.B = B;
    this.length = 0;
    this.start.fill(0);
    if (start) this.start.set(start.subarray(0, B));
    this.be = getBackend();
    this.bindWeights();
  }

  private bindWeights(): void {
    const p = this.model.params;
    const g = (n: string) => {
      const t = p.get(n);
      if (!t) throw new Error(`Decoder: weight '${n}' missing`);
      return t.data;
    };
    const o = (n: string) => p.get(n)?.data ?? null;
    const c = this.config;
    const gpt = c.arch === 'gpt';
    this.tokEmb = g('tok_emb');
    this.posEmb = gpt ? g('pos_emb') : null;
    this.normF = g('norm.weight');
    this.normFb = o('norm.bias');
    this.head = c.tiedEmbeddings ? this.tokEmb : g('lm_head.weight');
    this.layers = [];
    for (let l = 0; l < c.nLayers; l++) {
      const L = `layers.${l}`;
      this.layers.push({
        norm1: g(`${L}.norm1.weight`),
        norm1b: o(`${L}.norm1.bias`),
        q: g(`${L}.attn.q.weight`),
        qb: o(`${L}.attn.q.bias`),
        k: g(`${L}.attn.k.weight`),
        kb: o(`${L}.attn.k.bias`),
        v: g(`${L}.attn.v.weight`),
        vb: o(`${L}.attn.v.bias`),
        o: g(`${L}.attn.o.weight`),
        ob: o(`${L}.attn.o.bias`),
        norm2: g(`${L}.norm2.weight`),
        norm2b: o(`${L}.norm2.bias`),
        up1: g(gpt ? `${L}.mlp.fc.weight` : `${L}.mlp.gate.weight`),
        up1b: o(gpt ? `${L}.mlp.fc.bias` : `${L}.mlp.gate.bias`),
        up2: gpt ? null : g(`${L}.mlp.up.weight`),
        down: g(gpt ? `${L}.mlp.proj.weight` : `${L}.mlp.down.weight`),
        downb: o(gpt ? `${L}.mlp.proj.bias` : `${L}.mlp.down.bias`),
      });
    }
    this.adapters.clear();
    for (const [name, ad] of this.model.lora?.byProjection ?? [])
      this.adapters.set(g(`${name}.weight`), {
        A: ad.A.data,
        B: ad.B.data,
        rank: ad.A.shape[0],
        scale: ad.scale,
      });
  }

  private ensureRows(n: number): void {
    if (n <= this.rows) return;
    const c = this.config;
    const KVD = c.nKvHeads * c.headDim;
    this.rows = n;
    this.x = new Float32Array(n * c.dim);
    this.h = new Float32Array(n * c.dim);
    this.q = new Float32Array(n * c.dim);
    this.kNew = new Float32Array(n * KVD);
    this.vNew = new Float32Array(n * KVD);
    this.y = new Float32Array(n * c.dim);
    this.a = new Float32Array(n * c.hidden);
    this.u = new Float32Array(n * c.hidden);
    this.stat1 = new Float32Array(n);
    this.stat2 = new Float32Array(n);
    this.positions = new Int32Array(n);
  }

  /** out (rows, n) = in (rows, k) · Wᵀ (+ bias), or += when accumulate. */
  private linear(
    inp: F32,
    w: F32,
    bias: F32 | null,
    out: F32,
    rows: number,
    n: number,
    k: number,
    accumulate: boolean,
  ): void {
    const be = this.be;
    let beta = accumulate ? 1 : 0;
    if (bias !== null) {
      // put the bias in every row first (or add it), then let gemm accumulate on top
      be.copyRows(bias, 0, 0, out, 0, n, rows, n, accumulate);
      beta = 1;
    }
    be.gemm(false, true, rows, n, k, 1, inp, 0, w, 0, beta, out, 0, 1);
    const lowRank = this.adapters.get(w);
    if (lowRank !== undefined) {
      // + s·(x·Aᵀ)·Bᵀ: U = x·Aᵀ (rows, r), then out += s·U·Bᵀ
      const { A, B, rank, scale } = lowRank;
      if (this.lowRankRows.length < rows * rank) this.lowRankRows = new Float32Array(rows * rank);
      const u = this.lowRankRows;
      be.gemm(false, true, rows, rank, k, 1, inp, 0, A, 0, 0, u, 0, 1);
      be.gemm(false, true, rows, n, rank, scale, u, 0, B, 0, 1, out, 0, 1);
    }
  }

  private norm(inp: F32, w: F32, b: F32 | null, out: F32, rows: number): void {
    const c = this.config;
    if (c.arch === 'llama') this.be.rmsNorm(inp, w, rows, c.dim, c.normEps, out, this.stat1);
    else this.be.layerNorm(inp, w, b, rows, c.dim, c.normEps, out, this.stat1, this.stat2);
  }

  /**
   * Keeps only the rows `keep` (ascending indices of the current rows), moving them to the front
   * with their cached keys and values, so finished rows stop costing compute.
   */
  compact(keep: ArrayLike<number>): void {
    const rowLen = this.cacheRowStride();
    const used = this.length * this.config.nKvHeads * this.config.headDim;
    for (let i = 0; i < keep.length; i++) {
      const src = keep[i];
      if (src < i || src >= this.B || (i > 0 && src <= keep[i - 1])) {
        throw new Error(`Decoder.compact: rows must be ascending indices below ${this.B}`);
      }
      if (src === i) continue;
      for (let l = 0; l < this.config.nLayers; l++) {
        this.kCache[l].copyWithin(i * rowLen, src * rowLen, src * rowLen + used);
        this.vCache[l].copyWithin(i * rowLen, src * rowLen, src * rowLen + used);
      }
      this.start[i] = this.start[src];
    }
    this.B = keep.length;
  }

  /** Floats between one row's cache and the next's: (Tmax, Hkv, D). */
  private cacheRowStride(): number {
    return this.maxLen * this.config.nKvHeads * this.config.headDim;
  }

  /**
   * Feeds Tn new tokens per row (ids (B, Tn) row-major) at the next positions and returns the
   * next-token logits of each row's last position, (B, V). The returned array is reused by the
   * next call: read it before calling again.
   */
  forward(ids: Int32Array, Tn: number): F32 {
    const c = this.config;
    const B = this.B;
    const be = this.be;
    const N = B * Tn;
    const [C, H, KV, D, Hd, V] = [c.dim, c.nHeads, c.nKvHeads, c.headDim, c.hidden, c.vocabSize];
    const KVD = KV * D;
    const past = this.length;
    if (past + Tn > this.maxLen)
      throw new Error(`Decoder: position ${past + Tn} exceeds its capacity ${this.maxLen}`);
    if (ids.length !== N) throw new Error(`Decoder: ids has ${ids.length} entries, B·T = ${B}·${Tn}`);
    for (let i = 0; i < N; i++) {
      if (ids[i] < 0 || ids[i] >= V)
        throw new Error(`Decoder: token id ${ids[i]} is outside the vocabulary (${V})`);
    }
    this.ensureRows(N);
    const { x, h, q, kNew, vNew, y, a, u, positions } = this;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < Tn; t++) positions[b * Tn + t] = Math.max(0, past + t - this.start[b]);
    }
    const pos = positions.subarray(0, N);
    const keyStart = this.start.subarray(0, B);

    be.gather(this.tokEmb, ids, C, x); // x (N, C)
    if (this.posEmb !== null) {
      be.gather(this.posEmb, pos, C, h); // learned positions (N, C)
      be.copyRows(h, 0, 0, x, 0, 0, 1, N * C, true); // x += h
    }
    const Tk = past + Tn;
    const rowStride = this.cacheRowStride();
    const scale = 1 / Math.sqrt(D);
    for (let l = 0; l < c.nLayers; l++) {
      const w = this.layers[l];
      // ---- attention: h = norm1(x); q, k, v; rope; append k, v to the cache; attend; x += y·Woᵀ
      this.norm(x, w.norm1, w.norm1b, h, N); // (N, C)
      this.linear(h, w.q, w.qb, q, N, C, C, false); // (B, Tn, H, D)
      this.linear(h, w.k, w.kb, kNew, N, KVD, C, false); // (B, Tn, KV, D)
      this.linear(h, w.v, w.vb, vNew, N, KVD, C, false); // (B, Tn, KV, D)
      if (c.arch === 'llama') {
        be.rope(q, B, Tn, H, D, pos, c.ropeTheta, false, q, c.ropeScaling);
        be.rope(kNew, B, Tn, KV, D, pos, c.ropeTheta, false, kNew, c.ropeScaling);
      }
      // append the new keys and values at positions past … past + Tn − 1 of each row, then attend
      // from the cache: query t of row b sees keys start[b] … past + t
      const [kc, vc] = [this.kCache[l], this.vCache[l]];
      be.copyRows(kNew, 0, Tn * KVD, kc, past * KVD, rowStride, B, Tn * KVD, false);
      be.copyRows(vNew, 0, Tn * KVD, vc, past * KVD, rowStride, B, Tn * KVD, false);
      be.attention(q, kc, vc, B, Tn, Tk, H, KV, D, rowStride, past, keyStart, scale, y, null); // (B, Tn, H, D)
      this.linear(y, w.o, w.ob, x, N, C, C, true); // x += (N, C)
      // ---- MLP: h = norm2(x); x += down(act(up(h)))
      this.norm(x, w.norm2, w.norm2b, h, N);
      this.linear(h, w.up1, w.up1b, a, N, Hd, C, false); // (N, hidden)
      if (w.up2 !== null) {
        this.linear(h, w.up2, null, u, N, Hd, C, false); // (N, hidden)
        be.unary('silu', a, a, N * Hd, 0);
        this.flatShape[0] = N * Hd;
        be.binary('mul', a, this.flatStrides, u, this.flatStrides, a, this.flatShape); // a = silu(gate) ⊙ up
      } else {
        be.unary('gelu', a, a, N * Hd, 0);
      }
      this.linear(a, w.down, w.downb, x, N, C, Hd, true); // x += (N, C)
    }
    this.length = Tk;
    // only the last position of each row needs logits
    be.copyRows(x, (Tn - 1) * C, Tn * C, this.xLast, 0, C, B, C, false); // (B, C)
    this.norm(this.xLast, this.normF, this.normFb, h, B); // (B, C)
    be.gemm(false, true, B, V, C, 1, h, 0, this.head, 0, 0, this.logitsBuf, 0, 1); // (B, V)
    return this.logitsBuf.subarray(0, B * V);
  }

  /** A flat elementwise op over n elements: shape [n], unit strides. */
  private readonly flatStrides = new Int32Array([1]);
  private readonly flatShape = new Int32Array([0]);
}
