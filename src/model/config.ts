import { z } from 'zod';
import type { RopeScaling } from '../kernels/rope-frequencies.js';

/**
 * One typed config for both transformer styles:
 * - `gpt`   (GPT-2): LayerNorm, learned positions, GELU MLP, biases;
 * - `llama` (Llama): RMSNorm, rotary positions (interleaved pairs), SwiGLU MLP, no biases, GQA;
 *   Qwen2 is a llama whose q, k and v projections alone carry biases (`qkvBias`).
 */
export const ModelConfigSchema = z
  .strictObject({
    arch: z.enum(['gpt', 'llama']),
    /** Rows of the embedding / classifier (may exceed the tokenizer's size, e.g. padded to 64). */
    vocabSize: z.number().int().positive(),
    /** Longest sequence (learned positions for gpt; KV cache capacity for both). */
    contextLength: z.number().int().positive(),
    nLayers: z.number().int().positive(),
    /** Model width C. */
    dim: z.number().int().positive(),
    nHeads: z.number().int().positive(),
    /** Key/value heads (grouped-query attention when fewer than nHeads). Default nHeads. */
    nKvHeads: z.number().int().positive().optional(),
    /** MLP width. Default 4·dim (gpt) or 8/3·dim rounded up to a multiple of 32 (llama). */
    hidden: z.number().int().positive().optional(),
    /** Epsilon of the norms. */
    normEps: z.number().positive().default(1e-5),
    /** RoPE base (llama). */
    ropeTheta: z.number().positive().default(10000),
    /** Llama 3's rope frequency scaling (Llama 3.1, 3.2: rope_scaling of rope_type "llama3"), or none. */
    ropeScaling: z
      .strictObject({
        factor: z.number().positive(),
        lowFreqFactor: z.number().positive(),
        highFreqFactor: z.number().positive(),
        originalContext: z.number().int().positive(),
      })
      .nullable()
      .optional(),
    /** The classifier reuses the token embedding (weight tying). */
    tiedEmbeddings: z.boolean().default(true),
    /** Linear layers and norms carry biases. Default: true for gpt, false for llama. */
    bias: z.boolean().optional(),
    /** The q, k and v projections carry biases and no other layer does (Qwen2). Default: as `bias`. */
    qkvBias: z.boolean().optional(),
  })
  .superRefine((c, ctx) => {
    const kv = c.nKvHeads ?? c.nHeads;
    const bias = defaultBias(c);
    if (c.ropeScaling && (c.arch !== 'llama' || c.ropeScaling.highFreqFactor <= c.ropeScaling.lowFreqFactor))
      ctx.addIssue({
        code: 'custom',
        path: ['ropeScaling'],
        message:
          c.arch !== 'llama'
            ? 'rope scaling needs rotary positions (llama)'
            : 'highFreqFactor must exceed lowFreqFactor',
      });
    if (c.qkvBias !== undefined && c.qkvBias !== bias && (bias || c.arch === 'gpt'))
      ctx.addIssue({
        code: 'custom',
        path: ['qkvBias'],
        message: bias
          ? 'bias puts biases on every layer, q, k and v among them'
          : 'q, k and v biases alone are a llama (Qwen2) layout',
      });
    if (c.dim % c.nHeads !== 0)
      ctx.addIssue({
        code: 'custom',
        path: ['nHeads'],
        message: `dim ${c.dim} is not divisible by nHeads ${c.nHeads}`,
      });
    if (c.nHeads % kv !== 0)
      ctx.addIssue({
        code: 'custom',
        path: ['nKvHeads'],
        message: `nHeads ${c.nHeads} is not a multiple of nKvHeads ${kv}`,
      });
    if (c.arch === 'llama' && (c.dim / c.nHeads) % 2 !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['nHeads'],
        message: `rotary embeddings need an even head size, got ${c.dim / c.nHeads}`,
      });
    }
  });

export type ModelConfigInput = z.input<typeof ModelConfigSchema>;

/** `bias` as given, else the style's own: GPT-2 has biases, Llama has none. */
function defaultBias(c: { arch: 'gpt' | 'llama'; bias?: boolean }): boolean {
  return c.bias ?? c.arch === 'gpt';
}

/** A config with every default filled in: what the model code reads. */
export interface ModelConfig {
  arch: 'gpt' | 'llama';
  vocabSize: number;
  contextLength: number;
  nLayers: number;
  dim: number;
  nHeads: number;
  nKvHeads: number;
  headDim: number;
  hidden: number;
  normEps: number;
  ropeTheta: number;
  ropeScaling: RopeScaling | null;
  tiedEmbeddings: boolean;
  /** Every linear layer (and a gpt's norms) carries a bias. */
  bias: boolean;
  /** The q, k and v projections carry biases: with `bias`, or alone (Qwen2). */
  qkvBias: boolean;
}

/** Validates and fills defaults; `source` names the file or flag the config came from. */
export function resolveModelConfig(input: unknown, source = 'model config'): ModelConfig {
  const parsed = ModelConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source}: field '${issue.path.join('.') || '(root)'}': ${issue.message}`);
  }
  const c = parsed.data;
  const hidden = c.hidden ?? (c.arch === 'gpt' ? 4 * c.dim : Math.ceil((8 * c.dim) / 3 / 32) * 32);
  const bias = defaultBias(c);
  return {
    arch: c.arch,
    vocabSize: c.vocabSize,
    contextLength: c.contextLength,
    nLayers: c.nLayers,
    dim: c.dim,
    nHeads: c.nHeads,
    nKvHeads: c.nKvHeads ?? c.nHeads,
    headDim: c.dim / c.nHeads,
    hidden,
    normEps: c.normEps,
    ropeTheta: c.ropeTheta,
    ropeScaling: c.ropeScaling ?? null,
    tiedEmbeddings: c.tiedEmbeddings,
    bias,
    qkvBias: c.qkvBias ?? bias,
  };
}

/** The JSON form saved in checkpoints (only the fields of the schema). */
export function configToJson(c: ModelConfig): ModelConfigInput {
  const { headDim: _, qkvBias, ropeScaling, ...rest } = c;
  // each written only where it says something, so other models' configs read as they always have
  return {
    ...rest,
    ...(qkvBias === rest.bias ? {} : { qkvBias }),
    ...(ropeScaling === null ? {} : { ropeScaling }),
  };
}

/**
 * Parameter names and shapes of a model (PyTorch layout: a Linear weight is (out, in)).
 * These names are rein's checkpoint format; loaders of other formats map onto them.
 */
export function parameterShapes(c: ModelConfig): Map<string, number[]> {
  const C = c.dim;
  const KV = c.nKvHeads * c.headDim;
  const H = c.hidden;
  const m = new Map<string, number[]>();
  const linear = (name: string, out: number, inp: number, bias = c.bias) => {
    m.set(`${name}.weight`, [out, inp]);
    if (bias) m.set(`${name}.bias`, [out]);
  };
  const norm = (name: string) => {
    m.set(`${name}.weight`, [C]);
    if (c.arch === 'gpt' && c.bias) m.set(`${name}.bias`, [C]);
  };
  m.set('tok_emb', [c.vocabSize, C]);
  if (c.arch === 'gpt') m.set('pos_emb', [c.contextLength, C]);
  for (let i = 0; i < c.nLayers; i++) {
    const p = `layers.${i}`;
    norm(`${p}.norm1`);
    linear(`${p}.attn.q`, C, C, c.qkvBias);
    linear(`${p}.attn.k`, KV, C, c.qkvBias);
    linear(`${p}.attn.v`, KV, C, c.qkvBias);
    linear(`${p}.attn.o`, C, C);
    norm(`${p}.norm2`);
    if (c.arch === 'gpt') {
      linear(`${p}.mlp.fc`, H, C);
      linear(`${p}.mlp.proj`, C, H);
    } else {
      linear(`${p}.mlp.gate`, H, C);
      linear(`${p}.mlp.up`, H, C);
      linear(`${p}.mlp.down`, C, H);
    }
  }
  norm('norm');
  if (!c.tiedEmbeddings) m.set('lm_head.weight', [c.vocabSize, C]);
  return m;
}

/** Names and shapes of the optional scalar head (reward and value models). */
export function scalarHeadShapes(c: ModelConfig): Map<string, number[]> {
  return new Map([
    ['scalar_head.weight', [1, c.dim]],
    ['scalar_head.bias', [1]],
  ]);
}
