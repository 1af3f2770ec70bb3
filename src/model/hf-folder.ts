import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RopeScaling } from '../kernels/rope-frequencies.js';
import { type ModelConfig, resolveModelConfig } from './config.js';
import type { LoadedWeights } from './llama2c-checkpoint.js';
import { type NamedArray, readSafetensors } from './safetensors.js';

/**
 * Hugging Face model folders: `config.json` + `model.safetensors` (or shards listed in
 * `model.safetensors.index.json`), in the GPT-2 or the Llama layout (Mistral's and Qwen2's too),
 * mapped onto rein's names.
 *
 * Two layout differences are undone here:
 * - GPT-2's Conv1D stores weights (in, out), and fuses q, k, v into one `c_attn`: split and transpose.
 * - HF Llama rotates halves (dim i with dim i + D/2 of each head) where rein rotates interleaved pairs
 *   (2i with 2i+1): the rows of q and k are permuted so that rein's rope computes the same function.
 */
export function readHfFolder(dir: string): LoadedWeights {
  const configFile = join(dir, 'config.json');
  if (!existsSync(configFile)) throw new Error(`${dir}: not a Hugging Face model folder (no config.json)`);
  let hf: Record<string, unknown>;
  try {
    hf = JSON.parse(readFileSync(configFile, 'utf8'));
  } catch (e) {
    throw new Error(`${configFile}: not valid JSON (${(e as Error).message})`);
  }
  const tensors = readFolderTensors(dir);
  const type = String(hf.model_type ?? '');
  if (type === 'gpt2') return mapGpt2(hf, tensors, configFile);
  if (type === 'llama' || type === 'mistral' || type === 'qwen2') return mapLlama(hf, tensors, configFile);
  throw new Error(`${configFile}: model_type '${type}' is not supported (gpt2, llama, mistral, qwen2)`);
}

type Tensors = Map<string, NamedArray & { file: string }>;

function readFolderTensors(dir: string): Tensors {
  const out: Tensors = new Map();
  const single = join(dir, 'model.safetensors');
  const index = join(dir, 'model.safetensors.index.json');
  let files: string[];
  if (existsSync(single)) files = [single];
  else if (existsSync(index)) {
    const map =
      (JSON.parse(readFileSync(index, 'utf8')) as { weight_map?: Record<string, string> }).weight_map ?? {};
    files = [...new Set(Object.values(map))].map((f) => join(dir, f));
  } else throw new Error(`${dir}: no model.safetensors (or model.safetensors.index.json)`);
  for (const file of files) {
    for (const [name, t] of readSafetensors(file).tensors) out.set(name, { ...t, file });
  }
  return out;
}

const num = (hf: Record<string, unknown>, key: string, source: string, fallback?: number): number => {
  const v = hf[key] ?? fallback;
  if (typeof v !== 'number') throw new Error(`${source}: field '${key}' is missing or not a number`);
  return v;
};

/** Fetches a tensor by any of its names, checking its shape. */
function getter(tensors: Tensors, source: string) {
  return (names: string[], shape: number[]): NamedArray => {
    for (const name of names) {
      const t = tensors.get(name);
      if (!t) continue;
      if (t.shape.join(',') !== shape.join(',')) {
        throw new Error(`${t.file}: tensor '${name}' has shape [${t.shape}], config.json implies [${shape}]`);
      }
      return t;
    }
    throw new Error(`${source}: the weights have no tensor '${names[0]}'`);
  };
}

/** (rows, cols) → (cols, rows): GPT-2's Conv1D layout to rein's linear layout, and back (hf-export-weights.ts). */
export function transpose2d(t: NamedArray): NamedArray {
  const [r, c] = t.shape;
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = t.data[i * c + j];
  return { shape: [c, r], data: out };
}

/** Columns [from, to) of a (rows, cols) matrix. */
function columns(t: NamedArray, from: number, to: number): NamedArray {
  const [r, c] = t.shape;
  const w = to - from;
  const out = new Float32Array(r * w);
  for (let i = 0; i < r; i++) out.set(t.data.subarray(i * c + from, i * c + to), i * w);
  return { shape: [r, w], data: out };
}

function mapGpt2(hf: Record<string, unknown>, tensors: Tensors, source: string): LoadedWeights {
  const config = resolveModelConfig(
    {
      arch: 'gpt',
      vocabSize: num(hf, 'vocab_size', source),
      contextLength: num(hf, 'n_positions', source, hf.n_ctx as number),
      nLayers: num(hf, 'n_layer', source),
      dim: num(hf, 'n_embd', source),
      nHeads: num(hf, 'n_head', source),
      hidden: (hf.n_inner as number | null) ?? undefined,
      normEps: num(hf, 'layer_norm_epsilon', source, 1e-5),
      tiedEmbeddings: hf.tie_word_embeddings !== false,
      bias: true,
    },
    source,
  );
  const act = String(hf.activation_function ?? 'gelu_new');
  if (act !== 'gelu_new' && act !== 'gelu_pytorch_tanh') {
    throw new Error(
      `${source}: activation_function '${act}' is not supported (rein's GELU is the tanh approximation)`,
    );
  }
  const { dim: C, hidden: H, vocabSize: V, contextLength: T } = config;
  const get = getter(tensors, source);
  const p = (n: string) => [`transformer.${n}`, n];
  const w = new Map<string, NamedArray>();
  w.set('tok_emb', get(p('wte.weight'), [V, C]));
  w.set('pos_emb', get(p('wpe.weight'), [T, C]));
  for (let i = 0; i < config.nLayers; i++) {
    const h = `h.${i}`;
    const r = `layers.${i}`;
    w.set(`${r}.norm1.weight`, get(p(`${h}.ln_1.weight`), [C]));
    w.set(`${r}.norm1.bias`, get(p(`${h}.ln_1.bias`), [C]));
    const qkv = get(p(`${h}.attn.c_attn.weight`), [C, 3 * C]);
    const qkvBias = get(p(`${h}.attn.c_attn.bias`), [3 * C]);
    ['q', 'k', 'v'].forEach((name, j) => {
      w.set(`${r}.attn.${name}.weight`, transpose2d(columns(qkv, j * C, (j + 1) * C)));
      w.set(`${r}.attn.${name}.bias`, { shape: [C], data: qkvBias.data.slice(j * C, (j + 1) * C) });
    });
    w.set(`${r}.attn.o.weight`, transpose2d(get(p(`${h}.attn.c_proj.weight`), [C, C])));
    w.set(`${r}.attn.o.bias`, get(p(`${h}.attn.c_proj.bias`), [C]));
    w.set(`${r}.norm2.weight`, get(p(`${h}.ln_2.weight`), [C]));
    w.set(`${r}.norm2.bias`, get(p(`${h}.ln_2.bias`), [C]));
    w.set(`${r}.mlp.fc.weight`, transpose2d(get(p(`${h}.mlp.c_fc.weight`), [C, H])));
    w.set(`${r}.mlp.fc.bias`, get(p(`${h}.mlp.c_fc.bias`), [H]));
    w.set(`${r}.mlp.proj.weight`, transpose2d(get(p(`${h}.mlp.c_proj.weight`), [H, C])));
    w.set(`${r}.mlp.proj.bias`, get(p(`${h}.mlp.c_proj.bias`), [C]));
  }
  w.set('norm.weight', get(p('ln_f.weight'), [C]));
  w.set('norm.bias', get(p('ln_f.bias'), [C]));
  if (!config.tiedEmbeddings) w.set('lm_head.weight', get(['lm_head.weight'], [V, C]));
  return { config, weights: w };
}

/**
 * Reorders the rows of a q or k projection (or bias) from HF's half-split rotary layout to
 * interleaved pairs: within each head, rein row 2i = HF row i, rein row 2i+1 = HF row D/2 + i.
 */
export function halfSplitToInterleaved(t: NamedArray, heads: number): NamedArray {
  const rows = t.shape[0];
  const cols = t.shape.length > 1 ? t.shape[1] : 1;
  const D = rows / heads;
  const out = new Float32Array(t.data.length);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < D / 2; i++) {
      const base = h * D;
      out.set(t.data.subarray((base + i) * cols, (base + i + 1) * cols), (base + 2 * i) * cols);
      out.set(
        t.data.subarray((base + D / 2 + i) * cols, (base + D / 2 + i + 1) * cols),
        (base + 2 * i + 1) * cols,
      );
    }
  }
  return { shape: t.shape.slice(), data: out };
}

/** The inverse of halfSplitToInterleaved (for writing HF folders). */
export function interleavedToHalfSplit(t: NamedArray, heads: number): NamedArray {
  const rows = t.shape[0];
  const cols = t.shape.length > 1 ? t.shape[1] : 1;
  const D = rows / heads;
  const out = new Float32Array(t.data.length);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < D / 2; i++) {
      const base = h * D;
      out.set(t.data.subarray((base + 2 * i) * cols, (base + 2 * i + 1) * cols), (base + i) * cols);
      out.set(
        t.data.subarray((base + 2 * i + 1) * cols, (base + 2 * i + 2) * cols),
        (base + D / 2 + i) * cols,
      );
    }
  }
  return { shape: t.shape.slice(), data: out };
}

/** Llama 3's rope_scaling (Llama 3.1, 3.2); any other kind is refused, as rein would compute it otherwise. */
function ropeScaling(hf: Record<string, unknown>, source: string): RopeScaling | null {
  const s = hf.rope_scaling as Record<string, unknown> | null | undefined;
  if (s == null) return null;
  const kind = String(s.rope_type ?? s.type);
  if (kind !== 'llama3')
    throw new Error(`${source}: rope_scaling of type '${kind}' is not supported (llama3)`);
  const field = (key: string) => num(s, key, `${source}: rope_scaling`);
  return {
    factor: field('factor'),
    lowFreqFactor: field('low_freq_factor'),
    highFreqFactor: field('high_freq_factor'),
    originalContext: field('original_max_position_embeddings'),
  };
}

function mapLlama(hf: Record<string, unknown>, tensors: Tensors, source: string): LoadedWeights {
  const dim = num(hf, 'hidden_size', source);
  const nHeads = num(hf, 'num_attention_heads', source);
  if (hf.head_dim != null && hf.head_dim !== dim / nHeads) {
    throw new Error(
      `${source}: head_dim ${hf.head_dim} ≠ hidden_size / num_attention_heads is not supported`,
    );
  }
  // Qwen2 is Llama with biases on q, k and v alone; Llama's own biases are per kind of layer, of
  // which rein takes all or none
  const qwen2 = hf.model_type === 'qwen2';
  if (qwen2 && hf.use_sliding_window === true) {
    throw new Error(
      `${source}: use_sliding_window is not supported (rein's attention sees the whole context)`,
    );
  }
  const bias = hf.attention_bias === true;
  if (bias !== (hf.mlp_bias === true)) {
    throw new Error(
      `${source}: attention_bias ${hf.attention_bias === true} with mlp_bias ${hf.mlp_bias === true} is not supported (rein's llama has biases on every linear layer or on none)`,
    );
  }
  const act = String(hf.hidden_act ?? 'silu');
  if (act !== 'silu') throw new Error(`${source}: hidden_act '${act}' is not supported (silu)`);
  const config: ModelConfig = resolveModelConfig(
    {
      arch: 'llama',
      vocabSize: num(hf, 'vocab_size', source),
      contextLength: num(hf, 'max_position_embeddings', source),
      nLayers: num(hf, 'num_hidden_layers', source),
      dim,
      nHeads,
      nKvHeads: num(hf, 'num_key_value_heads', source, nHeads),
      hidden: num(hf, 'intermediate_size', source),
      normEps: num(hf, 'rms_norm_eps', source, 1e-6),
      ropeTheta: num(hf, 'rope_theta', source, 10000),
      ropeScaling: ropeScaling(hf, source),
      tiedEmbeddings: hf.tie_word_embeddings === true,
      bias,
      qkvBias: bias || qwen2,
    },
    source,
  );
  const { dim: C, hidden: H, vocabSize: V, nKvHeads } = config;
  const KV = nKvHeads * config.headDim;
  const get = getter(tensors, source);
  const w = new Map<string, NamedArray>();
  w.set('tok_emb', get(['model.embed_tokens.weight'], [V, C]));
  for (let i = 0; i < config.nLayers; i++) {
    const h = `model.layers.${i}`;
    const r = `layers.${i}`;
    w.set(`${r}.norm1.weight`, get([`${h}.input_layernorm.weight`], [C]));
    // a projection and, where the config has one, its bias; q's and k's rows permuted for rope
    const proj = (
      rein: string,
      hf: string,
      [rows, cols]: number[],
      heads: number | null,
      hasBias: boolean,
    ) => {
      const kinds = hasBias ? ['weight', 'bias'] : ['weight'];
      for (const kind of kinds) {
        const t = get([`${h}.${hf}.${kind}`], kind === 'weight' ? [rows, cols] : [rows]);
        w.set(`${r}.${rein}.${kind}`, heads ? halfSplitToInterleaved(t, heads) : t);
      }
    };
    proj('attn.q', 'self_attn.q_proj', [C, C], nHeads, config.qkvBias);
    proj('attn.k', 'self_attn.k_proj', [KV, C], nKvHeads, config.qkvBias);
    proj('attn.v', 'self_attn.v_proj', [KV, C], null, config.qkvBias);
    proj('attn.o', 'self_attn.o_proj', [C, C], null, config.bias);
    w.set(`${r}.norm2.weight`, get([`${h}.post_attention_layernorm.weight`], [C]));
    proj('mlp.gate', 'mlp.gate_proj', [H, C], null, config.bias);
    proj('mlp.up', 'mlp.up_proj', [H, C], null, config.bias);
    proj('mlp.down', 'mlp.down_proj', [C, H], null, config.bias);
  }
  w.set('norm.weight', get(['model.norm.weight'], [C]));
  if (!config.tiedEmbeddings) w.set('lm_head.weight', get(['lm_head.weight'], [V, C]));
  return { config, weights: w };
}
