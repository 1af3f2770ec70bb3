/**
 * LoRA adapters (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models") on the
 * transformer's linear projections. A projection W (out, in) keeps its weights frozen and gains a
 * low-rank update of rank r:
 *
 *   y = x·Wᵀ + b + (α/r)·(x·Aᵀ)·Bᵀ        A (r, in), B (out, r)
 *
 * A starts as PEFT's does (Kaiming-uniform with a = √5, i.e. U(−1/√in, 1/√in)) and B at 0, so a
 * model with fresh adapters computes exactly what it did without them. α/r scales the update: with
 * α fixed, changing r leaves its size, and so the learning rate that suits it, about the same.
 * Merging writes W + (α/r)·B·A into W, after which the model is an ordinary one again (what the
 * checkpoint writer and every other command read). The embedding, the LM head and the scalar head
 * get no adapters.
 */
import { getBackend } from '../kernels/index.js';
import * as T from '../tensor/index.js';
import { Rng } from '../util/rng.js';
import type { ModelConfig } from './config.js';
import type { NamedArray } from './safetensors.js';
import type { Transformer } from './transformer.js';

/** The words `targets` may hold: the two groups, or single projections. */
export const LORA_TARGETS = ['attn', 'mlp', 'q', 'k', 'v', 'o', 'fc', 'proj', 'gate', 'up', 'down'] as const;

/** Each word's projections (the part of the name after `layers.L.`) in either architecture. */
function targetProjections(word: string, arch: ModelConfig['arch']): string[] {
  const mlp = arch === 'gpt' ? ['fc', 'proj'] : ['gate', 'up', 'down'];
  if (word === 'attn') return ['attn.q', 'attn.k', 'attn.v', 'attn.o'];
  if (word === 'mlp') return mlp.map((p) => `mlp.${p}`);
  if (['q', 'k', 'v', 'o'].includes(word)) return [`attn.${word}`];
  if (mlp.includes(word)) return [`mlp.${word}`];
  if (['fc', 'proj', 'gate', 'up', 'down'].includes(word))
    throw new Error(`a ${arch} model has no MLP projection '${word}' (its MLP: ${mlp.join(', ')})`);
  throw new Error(`unknown target '${word}' (one of ${LORA_TARGETS.join(', ')})`);
}

export interface LoraOptions {
  /** r, the rank of each update (≥ 1). */
  rank: number;
  /** α: the update is scaled by α/r. */
  alpha: number;
  /** Words of LORA_TARGETS: `attn` (q, k, v, o), `mlp` (fc, proj or gate, up, down), or single projections. */
  targets: readonly string[];
  /**
   * p of the dropout on each adapter's input (PEFT's lora_dropout; default 0): the update reads x
   * with a fresh mask per projection, in the passes of steps a trainer opened with dropoutStep.
   */
  dropout?: number;
}

// the dropout masks' own stream, apart from A's init and the run's other draws
const DROPOUT_STREAM = 0x44726f70;

/** One projection's adapter: its term of the output is scale·(x·Aᵀ)·Bᵀ. */
export interface LoraAdapter {
  /** (r, in) */
  A: T.Tensor;
  /** (out, r) */
  B: T.Tensor;
  /** α/r */
  scale: number;
}

/** The adapters attached to one model, by projection name (`layers.0.attn.q`). */
export class LoraAdapters {
  constructor(
    readonly options: LoraOptions,
    readonly byProjection: ReadonlyMap<string, LoraAdapter>,
    /** The model's weights frozen while the adapters train (their requiresGrad comes back on detach). */
    readonly frozen: readonly T.Tensor[],
  ) {}

  /** Where the current step's dropout masks come from; null: no dropout (no step opened, or p = 0). */
  private dropoutRng: Rng | null = null;

  /**
   * Opens optimiser step `step` of a run seeded `seed`: its passes draw their dropout masks from a
   * stream of (seed, step), so a resumed run draws what an uninterrupted one would.
   */
  dropoutStep(seed: number, step: number): void {
    if ((this.options.dropout ?? 0) > 0) this.dropoutRng = Rng.forStep(seed, DROPOUT_STREAM, step);
  }

  /**
   * What an adapter's update reads: x under a dropout mask in a pass that records gradients (once a
   * step is open), x itself otherwise — evaluation, reference and rollout passes see no dropout.
   */
  updateInput(x: T.Tensor): T.Tensor {
    const p = this.options.dropout ?? 0;
    if (p === 0 || this.dropoutRng === null || !T.isGradEnabled()) return x;
    return T.dropout(x, p, this.dropoutRng, true);
  }

  /** Every A and B under its adapter.safetensors name (`layers.0.attn.q.lora_A.weight`, PEFT's naming). */
  params(): Map<string, T.Tensor> {
    const out = new Map<string, T.Tensor>();
    for (const [name, a] of this.byProjection) {
      out.set(`${name}.lora_A.weight`, a.A);
      out.set(`${name}.lora_B.weight`, a.B);
    }
    return out;
  }

  parameterCount(): number {
    let n = 0;
    for (const a of this.byProjection.values()) n += a.A.size + a.B.size;
    return n;
  }

  /** What a run's saved result says of its adapters (the weights go to adapter.safetensors). */
  toJSON(): Record<string, unknown> {
    return {
      rank: this.options.rank,
      alpha: this.options.alpha,
      targets: this.options.targets,
      dropout: this.options.dropout ?? 0,
      projections: this.byProjection.size,
      parameters: this.parameterCount(),
    };
  }
}

/** The projections `targets` selects in a model of `config`, layer by layer (throws on an unknown word). */
export function loraProjections(config: ModelConfig, targets: readonly string[]): string[] {
  if (targets.length === 0) throw new Error('no targets given');
  const perLayer = new Set(targets.flatMap((w) => targetProjections(w, config.arch)));
  const out: string[] = [];
  for (let l = 0; l < config.nLayers; l++) for (const p of perLayer) out.push(`layers.${l}.${p}`);
  return out;
}

/**
 * Gives `model` adapters on the projections of `options.targets` and freezes every other weight but
 * the scalar head (a reward model's head is new and must train: PEFT's modules_to_save). `init` is
 * either the Rng that draws each A (B = 0), or saved adapter weights (adapter.safetensors) to load.
 */
export function attachLora(
  model: Transformer,
  options: LoraOptions,
  init: Rng | ReadonlyMap<string, NamedArray>,
): LoraAdapters {
  const { rank, alpha } = options;
  if (model.lora !== null) throw new Error('attachLora: the model already has LoRA adapters');
  if (!(Number.isInteger(rank) && rank >= 1))
    throw new Error(`attachLora: rank must be a whole number ≥ 1, got ${rank}`);
  if (!(alpha > 0)) throw new Error(`attachLora: alpha must be positive, got ${alpha}`);
  const dropout = options.dropout ?? 0;
  if (!(dropout >= 0 && dropout < 1))
    throw new Error(`attachLora: dropout must be in [0, 1), got ${dropout}`);
  const byProjection = new Map<string, LoraAdapter>();
  for (const name of loraProjections(model.config, options.targets)) {
    const [outF, inF] = model.params.get(`${name}.weight`)!.shape;
    if (rank > Math.min(outF, inF))
      throw new Error(
        `rank ${rank} exceeds ${name}'s smaller side (${outF}×${inF}): that is no low-rank update (train without LoRA)`,
      );
    const A = new T.Tensor(new Float32Array(rank * inF), [rank, inF]);
    const B = new T.Tensor(new Float32Array(outF * rank), [outF, rank]);
    if (init instanceof Rng) {
      const bound = 1 / Math.sqrt(inF);
      for (let i = 0; i < A.size; i++) A.data[i] = (2 * init.uniform() - 1) * bound;
    } else {
      for (const [t, part] of [
        [A, 'lora_A'],
        [B, 'lora_B'],
      ] as const) {
        const w = init.get(`${name}.${part}.weight`);
        if (!w || w.shape.join(',') !== t.shape.join(','))
          throw new Error(
            `attachLora: adapter weight '${name}.${part}.weight' is missing or not [${t.shape}]`,
          );
        t.data.set(w.data);
      }
    }
    for (const [t, part] of [
      [A, 'lora_A'],
      [B, 'lora_B'],
    ] as const) {
      t.requiresGrad = true;
      t.name = `${name}.${part}.weight`;
    }
    byProjection.set(name, { A, B, scale: alpha / rank });
  }
  const frozen: T.Tensor[] = [];
  for (const [name, p] of model.params) {
    if (name.startsWith('scalar_head') || !p.requiresGrad) continue;
    p.requiresGrad = false;
    frozen.push(p);
  }
  const adapters = new LoraAdapters({ ...options, targets: [...options.targets] }, byProjection, frozen);
  model.lora = adapters;
  return adapters;
}

/** Drops the model's adapters without touching its weights, and unfreezes what they froze. */
export function detachLora(model: Transformer): LoraAdapters {
  const lora = model.lora;
  if (lora === null) throw new Error('detachLora: the model has no LoRA adapters');
  for (const p of lora.frozen) p.requiresGrad = true;
  model.lora = null;
  return lora;
}

/**
 * Runs `fn` with the model's adapters switched off, so that it computes with its frozen weights
 * alone: under LoRA those are the model training started from — an RL run's reference, which then
 * needs no second copy of the weights. Nothing is merged or unfrozen; the adapters return after.
 */
export function withoutAdapters<R>(model: Transformer, fn: () => R): R {
  const lora = model.lora;
  if (lora === null) throw new Error('withoutAdapters: the model has no LoRA adapters');
  model.lora = null;
  try {
    return fn();
  } finally {
    model.lora = lora;
  }
}

/**
 * Folds every adapter into its projection (W += (α/r)·B·A, in place) and detaches them: the model
 * then computes what it computed with them, as an ordinary model. Returns the adapters (their A and
 * B unchanged) for saving.
 */
export function mergeLora(model: Transformer): LoraAdapters {
  const lora = detachLora(model);
  const be = getBackend();
  for (const [name, { A, B, scale }] of lora.byProjection) {
    const W = model.params.get(`${name}.weight`)!;
    const [outF, inF] = W.shape;
    // (out, r)·(r, in), accumulated onto W (beta = 1)
    be.gemm(false, false, outF, inF, A.shape[0], scale, B.data, 0, A.data, 0, 1, W.data, 0, 1);
  }
  return lora;
}
