/**
 * The decoder-only transformer of rein, GPT-2 style or Llama style from one config (config.ts).
 *
 *   ids (B, T) → token embedding (+ learned positions for gpt)
 *     → nLayers × [ x += attn(norm1(x)) ; x += mlp(norm2(x)) ]       (pre-norm residual blocks)
 *     → final norm → hidden (B, T, C) → classifier → logits (B, T, V)
 *                                     → scalar head → one number per position (reward / value)
 *
 * Batches may be padded. A row's real tokens are ids[b, start[b] … end[b]−1]: left padding is
 * masked out of attention (the kernel's keyStart) and positions count from the row's first real
 * token, so left padding changes nothing; right padding is invisible to real tokens by causality.
 * This is the training path (autograd through the tensor ops); generation uses the same weights
 * through the buffer-reusing decoder in decoder.ts.
 */
import * as T from '../tensor/index.js';
import type { Rng } from '../util/rng.js';
import { type ModelConfig, parameterShapes, scalarHeadShapes } from './config.js';
import type { LoraAdapters } from './lora.js';
import { cellsOf } from './padding.js';
import type { NamedArray } from './safetensors.js';

/** A batch of token rows, optionally padded. */
export interface TokenBatch {
  /** (B, T) row-major. */
  ids: Int32Array;
  B: number;
  T: number;
  /** First real token of each row (left padding before it); default 0. */
  start?: Int32Array | null;
  /** One past the last real token of each row (right padding after it); default T. */
  end?: Int32Array | null;
  /**
   * Packed rows (packing.ts): per token (B·T), the column where its sequence begins. A row then
   * holds several sequences side by side; each token sees only its own sequence's tokens and its
   * position counts from that sequence's start. `start` is ignored.
   */
  segmentStart?: Int32Array | null;
}

export interface ForwardOptions {
  /** One KV cache per layer (inference only, under noGrad): ids continue the cached positions. */
  cache?: T.KVCache[] | null;
  /**
   * NEFTune (Jain et al. 2023), for training passes: uniform noise in ±α/√(T·C) added to the token
   * embeddings, T the batch's padded length and C the width, drawn from `rng`.
   */
  embeddingNoise?: { alpha: number; rng: Rng } | null;
}

/** What every layer of one forward pass shares: the batch's shape, positions, masks and caches. */
interface LayerInput {
  B: number;
  Tn: number;
  positions: Int32Array;
  keyStart: Int32Array | null;
  cache: T.KVCache[] | null;
  /** Positions already in the cache (the first new token's position). */
  past: number;
}

export class Transformer {
  /** Every weight by its checkpoint name (config.ts parameterShapes), requiresGrad set. */
  readonly params = new Map<string, T.Tensor>();
  /** LoRA adapters on some projections (lora.ts attachLora), or null: then no forward reads them. */
  lora: LoraAdapters | null = null;

  private constructor(
    readonly config: ModelConfig,
    hasScalarHead: boolean,
    fill: (name: string, shape: number[]) => Float32Array,
  ) {
    const shapes = parameterShapes(config);
    if (hasScalarHead) for (const [n, s] of scalarHeadShapes(config)) shapes.set(n, s);
    for (const [name, shape] of shapes) {
      const t = new T.Tensor(fill(name, shape), shape);
      t.requiresGrad = true;
      t.name = name;
      this.params.set(name, t);
    }
  }

  /**
   * Fresh weights (GPT-2's scheme): normal(0, 0.02); the projections that write into the residual
   * stream (attn.o, mlp.proj/down) get 0.02/√(2·nLayers); norm weights 1, biases 0.
   */
  static init(config: ModelConfig, rng: Rng, options: { scalarHead?: boolean } = {}): Transformer {
    const residualStd = 0.02 / Math.sqrt(2 * config.nLayers);
    return new Transformer(config, options.scalarHead ?? false, (name, shape) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(n);
      const isNorm = /(^|\.)norm\d?\.weight$/.test(name);
      if (isNorm) data.fill(1);
      else if (!name.endsWith('.bias')) {
        const std = /attn\.o\.weight$|mlp\.(proj|down)\.weight$/.test(name) ? residualStd : 0.02;
        for (let i = 0; i < n; i++) data[i] = rng.normal(0, std);
      }
      return data;
    });
  }

  /** A model holding copies of the given weights (from a checkpoint loader). */
  static fromWeights(config: ModelConfig, weights: Map<string, NamedArray>, source = 'weights'): Transformer {
    const hasHead = weights.has('scalar_head.weight');
    const expected = parameterShapes(config);
    if (hasHead) for (const [n, s] of scalarHeadShapes(config)) expected.set(n, s);
    for (const name of weights.keys()) {
      if (!expected.has(name)) throw new Error(`${source}: unexpected weight '${name}' for this config`);
    }
    return new Transformer(config, hasHead, (name, shape) => {
      const w = weights.get(name);
      if (!w) throw new Error(`${source}: weight '${name}' is missing`);
      if (w.shape.join(',') !== shape.join(',')) {
        throw new Error(`${source}: weight '${name}' has shape [${w.shape}], the config needs [${shape}]`);
      }
      return Float32Array.from(w.data);
    });
  }

  get hasScalarHead(): boolean {
    return this.params.has('scalar_head.weight');
  }

  /** Every weight tensor (LoRA adapters aside: an optimiser takes trainableParams()). */
  parameters(): T.Tensor[] {
    return [...this.params.values()];
  }

  /**
   * What an optimiser trains: every weight, or while LoRA adapters are attached their A and B and
   * the scalar head (PEFT's modules_to_save), the rest being frozen.
   */
  trainableParams(): Map<string, T.Tensor> {
    if (this.lora === null) return this.params;
    const out = this.lora.params();
    for (const [name, p] of this.params) if (name.startsWith('scalar_head')) out.set(name, p);
    return out;
  }

  parameterCount(): number {
    let n = 0;
    for (const p of this.params.values()) if (!p.name.startsWith('scalar_head')) n += p.size;
    return n;
  }

  /** The weights by name, sharing memory with the model (copy before mutating); LoRA adapters are not among them. */
  stateDict(): Map<string, NamedArray> {
    const out = new Map<string, NamedArray>();
    for (const [name, t] of this.params) out.set(name, { shape: t.shape.slice(), data: t.data });
    return out;
  }

  /** An independent copy (a frozen reference policy, or a reward model started from SFT weights). */
  clone(options: { scalarHead?: 'keep' | 'drop' | 'fresh'; rng?: Rng } = {}): Transformer {
    const mode = options.scalarHead ?? 'keep';
    const weights = this.stateDict();
    if (mode !== 'keep') {
      weights.delete('scalar_head.weight');
      weights.delete('scalar_head.bias');
    }
    if (mode === 'fresh') {
      if (!options.rng) throw new Error('Transformer.clone: a fresh scalar head needs an rng');
      const C = this.config.dim;
      const w = new Float32Array(C);
      for (let i = 0; i < C; i++) w[i] = options.rng.normal(0, 1 / Math.sqrt(C + 1));
      weights.set('scalar_head.weight', { shape: [1, C], data: w });
      weights.set('scalar_head.bias', { shape: [1], data: new Float32Array(1) });
    }
    return Transformer.fromWeights(this.config, weights);
  }

  /** Copies every weight of `other` (same config) into this model, in place. */
  copyWeightsFrom(other: Transformer): void {
    for (const [name, t] of this.params) {
      const src = other.params.get(name);
      if (!src || src.size !== t.size)
        throw new Error(`copyWeightsFrom: weight '${name}' is missing or differs in size`);
      t.data.set(src.data);
    }
  }

  private p(name: string): T.Tensor {
    return this.params.get(name)!;
  }

  private pOrNull(name: string): T.Tensor | null {
    return this.params.get(name) ?? null;
  }

  private norm(x: T.Tensor, name: string): T.Tensor {
    const c = this.config;
    return c.arch === 'llama'
      ? T.rmsNorm(x, this.p(`${name}.weight`), c.normEps)
      : T.layerNorm(x, this.p(`${name}.weight`), this.pOrNull(`${name}.bias`), c.normEps);
  }

  private linear(x: T.Tensor, name: string): T.Tensor {
    const [w, bias] = [this.p(`${name}.weight`), this.pOrNull(`${name}.bias`)];
    const adapter = this.lora?.byProjection.get(name);
    if (this.lora === null || adapter === undefined) return T.linear(x, w, bias);
    // + (α/r)·(x′·Aᵀ)·Bᵀ, x′ being x or, in a training pass with LoRA dropout, x under a mask
    return T.lowRankLinear(x, w, bias, adapter.A, adapter.B, adapter.scale, this.lora.updateInput(x));
  }

  /**
   * The final hidden states (B, T, C), after the last norm. With a cache, `batch.ids` holds only
   * the new tokens and the cache's filled length is their first position.
   */
  hidden(batch: TokenBatch, options: ForwardOptions = {}): T.Tensor {
    const c = this.config;
    const { ids, B, T: Tn } = batch;
    if (ids.length !== B * Tn)
      throw new Error(`Transformer: ids has ${ids.length} entries, B·T = ${B}·${Tn}`);
    const cache = options.cache ?? null;
    if (cache !== null && cache.length !== c.nLayers) {
      throw new Error(`Transformer: ${cache.length} KV caches given for ${c.nLayers} layers`);
    }
    const past = cache === null ? 0 : cache[0].length;
    const segments = batch.segmentStart ?? null;
    if (segments !== null && (cache !== null || segments.length !== B * Tn)) {
      throw new Error(
        `Transformer: segmentStart needs B·T = ${B * Tn} entries and no cache (has ${segments.length})`,
      );
    }
    // a packed row may be wider than the context: what must fit is each sequence's positions
    const positionsUsed = segments === null ? past + Tn : longestSegment(segments, Tn);
    if (positionsUsed > c.contextLength) {
      throw new Error(
        `Transformer: positions up to ${positionsUsed} exceed the context length ${c.contextLength}`,
      );
    }
    const start = segments === null ? (batch.start ?? null) : null;
    // position of each token, counted from its row's (or its sequence's) first real token (pads clamp to 0)
    const positions = new Int32Array(B * Tn);
    for (let b = 0; b < B; b++) {
      const s = start === null ? 0 : start[b];
      for (let t = 0; t < Tn; t++)
        positions[b * Tn + t] = Math.max(0, past + t - (segments === null ? s : segments[b * Tn + t]));
    }
    const keyStart = segments ?? (start?.some((s) => s > 0) ? start : null);
    const C = c.dim;
    let x = T.embedding(this.p('tok_emb'), ids, [B, Tn]); // (B, T, C)
    const noise = options.embeddingNoise ?? null;
    if (noise !== null && noise.alpha > 0) {
      const bound = noise.alpha / Math.sqrt(Tn * C);
      x = T.add(x, T.rand(x.shape, noise.rng, -bound, bound)); // (B, T, C)
    }
    if (c.arch === 'gpt') x = T.add(x, T.embedding(this.p('pos_emb'), positions, [B, Tn])); // (B, T, C)
    const at: LayerInput = { B, Tn, positions, keyStart, cache, past };
    // Without gradients no layer's intermediates are read once its output exists: a scope per layer
    // hands them back to the pool, so an inference pass holds one layer's activations, not all of them.
    const perLayerScope = !T.isGradEnabled();
    for (let l = 0; l < c.nLayers; l++) {
      const input = x;
      x = perLayerScope ? T.scope(() => this.layer(input, l, at)) : this.layer(input, l, at);
    }
    return this.norm(x, 'norm'); // (B, T, C)
  }

  /** One pre-norm block: x + attn(norm1(x)), then + mlp(norm2(·)). (B, T, C) → (B, T, C). */
  private layer(x: T.Tensor, l: number, at: LayerInput): T.Tensor {
    const c = this.config;
    const { B, Tn, positions } = at;
    const [H, KV, D, C] = [c.nHeads, c.nKvHeads, c.headDim, c.dim];
    const L = `layers.${l}`;
    // ---- attention
    const h = this.norm(x, `${L}.norm1`); // (B, T, C)
    let q = T.reshape(this.linear(h, `${L}.attn.q`), [B, Tn, H, D]); // (B, T, H, D)
    let k = T.reshape(this.linear(h, `${L}.attn.k`), [B, Tn, KV, D]); // (B, T, KV, D)
    const v = T.reshape(this.linear(h, `${L}.attn.v`), [B, Tn, KV, D]); // (B, T, KV, D)
    if (c.arch === 'llama') {
      q = T.rope(q, positions, c.ropeTheta, c.ropeScaling);
      k = T.rope(k, positions, c.ropeTheta, c.ropeScaling);
    }
    const cache = at.cache?.[l] ?? null;
    const y = T.attention(q, k, v, { keyStart: at.keyStart, cache, qStart: at.past }); // (B, T, H, D)
    x = T.add(x, this.linear(T.reshape(y, [B, Tn, C]), `${L}.attn.o`)); // (B, T, C)
    // ---- MLP
    const h2 = this.norm(x, `${L}.norm2`); // (B, T, C)
    let m: T.Tensor;
    if (c.arch === 'gpt') {
      m = this.linear(T.gelu(this.linear(h2, `${L}.mlp.fc`)), `${L}.mlp.proj`); // (B, T, C)
    } else {
      const gate = T.silu(this.linear(h2, `${L}.mlp.gate`)); // (B, T, hidden)
      m = this.linear(T.mul(gate, this.linear(h2, `${L}.mlp.up`)), `${L}.mlp.down`); // (B, T, C)
    }
    return T.add(x, m); // (B, T, C)
  }

  /** Next-token logits (B, T, V) from hidden states. */
  logitsFrom(hidden: T.Tensor): T.Tensor {
    const head = this.config.tiedEmbeddings ? this.p('tok_emb') : this.p('lm_head.weight');
    return T.matmul(hidden, head, { transB: true }); // (B, T, V)
  }

  /** Next-token logits (B, T, V). */
  logits(batch: TokenBatch, options: ForwardOptions = {}): T.Tensor {
    return this.logitsFrom(this.hidden(batch, options));
  }

  /** The scalar head at every position (B, T) — a value model's per-token values. */
  scalarsFrom(hidden: T.Tensor): T.Tensor {
    if (!this.hasScalarHead)
      throw new Error('Transformer: this model has no scalar head (clone it with scalarHead: "fresh")');
    const [B, Tn] = hidden.shape;
    const s = T.linear(hidden, this.p('scalar_head.weight'), this.p('scalar_head.bias')); // (B, T, 1)
    return T.reshape(s, [B, Tn]); // (B, T)
  }

  /**
   * The scalar head read at each sequence's last token: a reward model's score. One per row at
   * its last real token, or one per sequence of a batch that says where they lie (padding.ts
   * SequenceBatch: rows padded, or packed). `hidden`: the batch's hidden states, when a caller
   * needs them for more than the score (they are computed here otherwise).
   */
  scalarAtLast(batch: TokenBatch & { first?: Int32Array; length?: Int32Array }, hidden?: T.Tensor): T.Tensor {
    const { B, T: Tn } = batch;
    const bySequence = batch.first !== undefined && batch.length !== undefined;
    if (batch.segmentStart && !bySequence)
      throw new Error('scalarAtLast: a packed batch must say where its sequences lie (first, length)');
    const n = bySequence ? batch.first!.length : B;
    const cells = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const from = bySequence ? batch.first![i] : i * Tn + (batch.start?.[i] ?? 0);
      const to = bySequence ? from + batch.length![i] : i * Tn + (batch.end?.[i] ?? Tn);
      if (to <= from)
        throw new Error(`scalarAtLast: ${bySequence ? 'sequence' : 'row'} ${i} has no real token`);
      cells[i] = to - 1;
    }
    const all = this.scalarsFrom(hidden ?? this.hidden(batch)); // (B, T)
    return cellsOf(all, cells); // (n)
  }
}

/** The most tokens any segment of a packed batch holds (rows of width T). */
function longestSegment(segmentStart: Int32Array, T: number): number {
  let longest = 0;
  for (let i = 0; i < segmentStart.length; i++) longest = Math.max(longest, (i % T) - segmentStart[i] + 1);
  return longest;
}

/**
 * Log-probabilities of the given tokens under the model, (B, T): entry [b, t] is
 * log p(ids[b, t] | ids[b, < t]) for response tokens (responseStart[b] ≤ t < end[b]) and 0 elsewhere.
 * Differentiable. `temperature` divides the logits first, as the sampler does, so these match the
 * log-probs recorded at sampling time. The trainers read their packed batches through
 * train/common/trained-tokens.ts instead; this reads left-padded rows as the sampler lays them out.
 */
export function responseLogProbs(
  model: Transformer,
  batch: TokenBatch,
  responseStart: Int32Array,
  temperature = 1,
): { logProbs: T.Tensor; mask: Float32Array } {
  const { ids, B, T: Tn } = batch;
  if (batch.segmentStart)
    throw new Error('responseLogProbs: a packed batch is read per sequence (packing.ts)');
  const mask = new Float32Array(B * Tn);
  // targets[b, t] = the token that position t predicts (t + 1), or ignored
  const targets = new Int32Array(B * Tn).fill(-1);
  for (let b = 0; b < B; b++) {
    const e = batch.end?.[b] ?? Tn;
    const from = Math.max(1, responseStart[b], batch.start?.[b] ?? 0);
    for (let t = from; t < e; t++) {
      targets[b * Tn + t - 1] = ids[b * Tn + t];
      mask[b * Tn + t] = 1;
    }
  }
  let logits = model.logits(batch); // (B, T, V)
  if (temperature !== 1) logits = T.scale(logits, 1 / temperature);
  const nll = T.crossEntropy(logits, targets, { ignoreIndex: -1, reduction: 'none' }); // (B, T), row t ↔ token t+1
  // shift right by one so that entry t belongs to token t
  const shifted = T.concat([T.zeros([B, 1]), T.slice(nll, 1, 0, Tn - 1)], 1); // (B, T)
  return { logProbs: T.neg(shifted), mask };
}
