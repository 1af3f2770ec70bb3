/**
 * Tiny language models for the nn/optim tests (not a product model — src/model/ owns those):
 * - TinyMlpLm: embedding → Linear → LayerNorm → GELU → Linear head (per-token, no context);
 * - TinyTransformerLm: token + position embeddings, one pre-norm block (causal attention with rope,
 *   GELU MLP), final norm, head — built only from tensor ops.
 */
import * as T from '../tensor/index.js';
import type { Rng } from '../util/rng.js';
import { Dropout, Embedding, LayerNorm, Linear, RMSNorm } from './layers.js';
import { Module } from './module.js';

export class TinyMlpLm extends Module {
  readonly wte: Embedding;
  readonly fc: Linear;
  readonly ln: LayerNorm;
  readonly head: Linear;

  constructor(vocab: number, dim: number, rng: Rng) {
    super();
    this.wte = this.child('wte', new Embedding(vocab, dim, rng, 0.5));
    this.fc = this.child('fc', new Linear(dim, dim, rng));
    this.ln = this.child('ln', new LayerNorm(dim));
    this.head = this.child('head', new Linear(dim, vocab, rng, { bias: false }));
  }

  /** Mean cross-entropy of ids → targets, both (B, T). */
  loss(ids: Int32Array, targets: Int32Array, B: number, Tt: number): T.Tensor {
    const x = this.wte.forward(ids, [B, Tt]); // (B, T, C)
    const h = T.gelu(this.ln.forward(this.fc.forward(x))); // (B, T, C)
    return T.crossEntropy(this.head.forward(h), targets); // (B, T, V) → ()
  }
}

export class TinyTransformerLm extends Module {
  readonly wte: Embedding;
  readonly ln1: RMSNorm;
  readonly qkv: Linear;
  readonly proj: Linear;
  readonly ln2: LayerNorm;
  readonly fc: Linear;
  readonly fc2: Linear;
  readonly lnf: LayerNorm;
  readonly head: Linear;
  readonly drop: Dropout;

  constructor(
    readonly vocab: number,
    readonly dim: number,
    readonly heads: number,
    rng: Rng,
    dropoutP = 0,
  ) {
    super();
    this.wte = this.child('wte', new Embedding(vocab, dim, rng, 0.5));
    this.ln1 = this.child('ln1', new RMSNorm(dim));
    this.qkv = this.child('qkv', new Linear(dim, 3 * dim, rng));
    this.proj = this.child('proj', new Linear(dim, dim, rng));
    this.ln2 = this.child('ln2', new LayerNorm(dim));
    this.fc = this.child('fc', new Linear(dim, 2 * dim, rng));
    this.fc2 = this.child('fc2', new Linear(2 * dim, dim, rng));
    this.lnf = this.child('lnf', new LayerNorm(dim));
    this.head = this.child('head', new Linear(dim, vocab, rng, { bias: false }));
    this.drop = this.child('drop', new Dropout(dropoutP, rng.fork()));
  }

  loss(ids: Int32Array, targets: Int32Array, B: number, Tt: number): T.Tensor {
    const C = this.dim;
    const H = this.heads;
    let x = this.wte.forward(ids, [B, Tt]); // (B, T, C)
    const qkv = this.qkv.forward(this.ln1.forward(x)); // (B, T, 3C)
    const q = T.rope(T.reshape(T.slice(qkv, 2, 0, C), [B, Tt, H, C / H]), 0); // (B, T, H, D)
    const k = T.rope(T.reshape(T.slice(qkv, 2, C, 2 * C), [B, Tt, H, C / H]), 0);
    const v = T.reshape(T.slice(qkv, 2, 2 * C), [B, Tt, H, C / H]);
    const a = T.reshape(T.attention(q, k, v), [B, Tt, C]); // (B, T, C)
    x = T.add(x, this.drop.forward(this.proj.forward(a)));
    x = T.add(x, this.fc2.forward(T.gelu(this.fc.forward(this.ln2.forward(x)))));
    const logits = this.head.forward(this.lnf.forward(x)); // (B, T, V)
    return T.crossEntropy(logits, targets);
  }
}

/** A random batch of next-token data: ids (B, T) and targets = ids shifted left (one more token drawn). */
export function randomBatch(
  rng: Rng,
  vocab: number,
  B: number,
  Tt: number,
): { ids: Int32Array; targets: Int32Array } {
  const ids = new Int32Array(B * Tt);
  const targets = new Int32Array(B * Tt);
  for (let b = 0; b < B; b++) {
    const seq: number[] = [];
    for (let t = 0; t <= Tt; t++) seq.push(rng.int(vocab));
    for (let t = 0; t < Tt; t++) {
      ids[b * Tt + t] = seq[t];
      targets[b * Tt + t] = seq[t + 1];
    }
  }
  return { ids, targets };
}
