/**
 * Exported weights, checked two ways:
 * - round trip: export → rein's own readers (readHfFolder, readLlama2cCheckpoint) → the same logits
 *   as the original model on random tokens;
 * - independently of those readers: a float64 forward pass written from Hugging Face's modelling
 *   code (Conv1D, fused c_attn, rotate_half rope, repeat_kv, score read at the last token) reads
 *   the exported config.json and model.safetensors by HF's names and must give rein's logits.
 * No Python transformers runs here: that last check is rein's reading of HF's semantics.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as T from '../tensor/index.js';
import { BpeTokenizer } from '../tokenizer/bpe.js';
import { Llama2cTokenizer } from '../tokenizer/llama2c.js';
import { sharedFile } from '../tokenizer/shared-data.js';
import { Rng } from '../util/rng.js';
import { type ModelConfigInput, parameterShapes, resolveModelConfig, scalarHeadShapes } from './config.js';
import { generate } from './generate.js';
import { exportHfFolder } from './hf-export.js';
import { readHfFolder } from './hf-folder.js';
import { readLlama2cCheckpoint } from './llama2c-checkpoint.js';
import { exportLlama2c } from './llama2c-export.js';
import { type NamedArray, readSafetensors } from './safetensors.js';
import { hfInvFreq } from './test-helpers/hf-rope.js';
import { Transformer } from './transformer.js';

// every export test writes model folders: removed when the file's tests end
const made: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(join(tmpdir(), 'rein-export-'));
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A model with every weight random (norm gains near 1, biases non-zero), so no mapping hides. */
function randomModel(input: ModelConfigInput, seed: number, scalarHead = false): Transformer {
  const config = resolveModelConfig(input);
  const rng = new Rng(seed);
  const shapes = parameterShapes(config);
  if (scalarHead) for (const [n, s] of scalarHeadShapes(config)) shapes.set(n, s);
  const weights = new Map<string, NamedArray>();
  for (const [name, shape] of shapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    const isGain = /norm\d?\.weight$/.test(name);
    const data = Float32Array.from({ length: n }, () =>
      isGain ? 1 + rng.normal(0, 0.1) : rng.normal(0, 0.3),
    );
    weights.set(name, { shape, data });
  }
  return Transformer.fromWeights(config, weights);
}

function randomIds(rng: Rng, vocab: number, n: number): number[] {
  return Array.from({ length: n }, () => rng.int(vocab));
}

function logitsOf(model: Transformer, ids: number[]): Float32Array {
  return T.noGrad(() => model.logits({ ids: Int32Array.from(ids), B: 1, T: ids.length })).data.slice();
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

// ---------------------------------------------------------------------------------------------
// Hugging Face's modelling code, one sequence, float64, read from the folder by HF names only.

type Vec = number[];
interface HfFolder {
  config: Record<string, unknown>;
  t: Map<string, NamedArray>;
}

function readFolder(dir: string): HfFolder {
  return {
    config: JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')),
    t: readSafetensors(join(dir, 'model.safetensors')).tensors,
  };
}

/** The last hidden states (T, C) and the head's outputs per position, in HF semantics. */
function hfForward(folder: HfFolder, ids: number[]): { logits: Vec[] | null; score: Vec[] | null } {
  const { config: cfg, t } = folder;
  const get = (n: string) => {
    const x = t.get(n);
    if (!x) throw new Error(`HF folder has no tensor ${n}`);
    return x;
  };
  const has = (n: string) => t.has(n);
  // nn.Linear: W (out, in), y = W x + b
  const linear = (x: Vec, w: string, b: string | null): Vec => {
    const W = get(w);
    const [o, i] = W.shape;
    const bias = b && has(b) ? get(b).data : null;
    return Array.from({ length: o }, (_, r) => {
      let s = bias ? bias[r] : 0;
      for (let k = 0; k < i; k++) s += W.data[r * i + k] * x[k];
      return s;
    });
  };
  // GPT-2's Conv1D: W (in, out), y = x W + b
  const conv1d = (x: Vec, w: string, b: string): Vec => {
    const W = get(w);
    const [i, o] = W.shape;
    const bias = get(b).data;
    return Array.from({ length: o }, (_, c) => {
      let s = bias[c];
      for (let k = 0; k < i; k++) s += x[k] * W.data[k * o + c];
      return s;
    });
  };
  const row = (name: string, r: number): Vec => {
    const W = get(name);
    const c = W.shape[1];
    return Array.from(W.data.subarray(r * c, r * c + c));
  };
  const addv = (a: Vec, b: Vec) => a.map((v, i) => v + b[i]);
  const attention = (q: Vec[], k: Vec[], v: Vec[], H: number, KV: number, D: number): Vec[] =>
    q.map((qt, pos) => {
      const y: Vec = [];
      for (let h = 0; h < H; h++) {
        const kvh = Math.floor(h / (H / KV)); // repeat_kv
        const s = k.slice(0, pos + 1).map((kt) => {
          let d = 0;
          for (let j = 0; j < D; j++) d += qt[h * D + j] * kt[kvh * D + j];
          return d / Math.sqrt(D);
        });
        const m = Math.max(...s);
        const e = s.map((x) => Math.exp(x - m));
        const z = e.reduce((a, b) => a + b, 0);
        for (let j = 0; j < D; j++) y.push(e.reduce((acc, p, u) => acc + (p / z) * v[u][kvh * D + j], 0));
      }
      return y;
    });

  let hidden: Vec[];
  let lmHeadName: string;
  if (cfg.model_type === 'llama' || cfg.model_type === 'qwen2') {
    const H = cfg.num_attention_heads as number;
    const KV = cfg.num_key_value_heads as number;
    const D = cfg.head_dim as number;
    const eps = cfg.rms_norm_eps as number;
    const theta = cfg.rope_theta as number;
    const attnBias = cfg.attention_bias === true;
    const mlpBias = cfg.mlp_bias === true;
    // Qwen2: q, k and v always carry biases, o and the MLP never
    const qkvBias = attnBias || cfg.model_type === 'qwen2';
    const rms = (x: Vec, g: string) => {
      const ms = x.reduce((s, v) => s + v * v, 0) / x.length;
      return x.map((v, i) => (v / Math.sqrt(ms + eps)) * get(g).data[i]);
    };
    // rotate_half: dim i pairs with dim i + D/2, at inv_freq i (rope_scaling applied)
    const invFreq = hfInvFreq(theta, D, (cfg.rope_scaling as Record<string, number> | null) ?? null);
    const rope = (x: Vec, heads: number, pos: number) => {
      const out = x.slice();
      for (let h = 0; h < heads; h++)
        for (let i = 0; i < D / 2; i++) {
          const a = pos * invFreq[i];
          const [x1, x2] = [x[h * D + i], x[h * D + i + D / 2]];
          out[h * D + i] = x1 * Math.cos(a) - x2 * Math.sin(a);
          out[h * D + i + D / 2] = x2 * Math.cos(a) + x1 * Math.sin(a);
        }
      return out;
    };
    const silu = (x: number) => x / (1 + Math.exp(-x));
    let xs = ids.map((id) => row('model.embed_tokens.weight', id));
    for (let l = 0; l < (cfg.num_hidden_layers as number); l++) {
      const p = `model.layers.${l}`;
      const b = (n: string, on: boolean) => (on ? `${p}.${n}.bias` : null);
      const hs = xs.map((x) => rms(x, `${p}.input_layernorm.weight`));
      const q = hs.map((h, pos) =>
        rope(linear(h, `${p}.self_attn.q_proj.weight`, b('self_attn.q_proj', qkvBias)), H, pos),
      );
      const k = hs.map((h, pos) =>
        rope(linear(h, `${p}.self_attn.k_proj.weight`, b('self_attn.k_proj', qkvBias)), KV, pos),
      );
      const v = hs.map((h) => linear(h, `${p}.self_attn.v_proj.weight`, b('self_attn.v_proj', qkvBias)));
      const y = attention(q, k, v, H, KV, D);
      xs = xs.map((x, i) =>
        addv(x, linear(y[i], `${p}.self_attn.o_proj.weight`, b('self_attn.o_proj', attnBias))),
      );
      xs = xs.map((x) => {
        const h = rms(x, `${p}.post_attention_layernorm.weight`);
        const g = linear(h, `${p}.mlp.gate_proj.weight`, b('mlp.gate_proj', mlpBias));
        const u = linear(h, `${p}.mlp.up_proj.weight`, b('mlp.up_proj', mlpBias));
        return addv(
          x,
          linear(
            g.map((gv, i) => silu(gv) * u[i]),
            `${p}.mlp.down_proj.weight`,
            b('mlp.down_proj', mlpBias),
          ),
        );
      });
    }
    hidden = xs.map((x) => rms(x, 'model.norm.weight'));
    lmHeadName = cfg.tie_word_embeddings ? 'model.embed_tokens.weight' : 'lm_head.weight';
  } else {
    expect(cfg.model_type).toBe('gpt2');
    expect(cfg.activation_function).toBe('gelu_new');
    const C = cfg.n_embd as number;
    const H = cfg.n_head as number;
    const eps = cfg.layer_norm_epsilon as number;
    const ln = (x: Vec, n: string) => {
      const mu = x.reduce((s, v) => s + v, 0) / x.length;
      const va = x.reduce((s, v) => s + (v - mu) ** 2, 0) / x.length;
      return x.map(
        (v, i) => ((v - mu) / Math.sqrt(va + eps)) * get(`${n}.weight`).data[i] + get(`${n}.bias`).data[i],
      );
    };
    const gelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    let xs = ids.map((id, pos) =>
      addv(row('transformer.wte.weight', id), row('transformer.wpe.weight', pos)),
    );
    for (let l = 0; l < (cfg.n_layer as number); l++) {
      const p = `transformer.h.${l}`;
      const qkv = xs.map((x) =>
        conv1d(ln(x, `${p}.ln_1`), `${p}.attn.c_attn.weight`, `${p}.attn.c_attn.bias`),
      );
      const y = attention(
        qkv.map((r) => r.slice(0, C)),
        qkv.map((r) => r.slice(C, 2 * C)),
        qkv.map((r) => r.slice(2 * C)),
        H,
        H,
        C / H,
      );
      xs = xs.map((x, i) => addv(x, conv1d(y[i], `${p}.attn.c_proj.weight`, `${p}.attn.c_proj.bias`)));
      xs = xs.map((x) => {
        const h = conv1d(ln(x, `${p}.ln_2`), `${p}.mlp.c_fc.weight`, `${p}.mlp.c_fc.bias`).map(gelu);
        return addv(x, conv1d(h, `${p}.mlp.c_proj.weight`, `${p}.mlp.c_proj.bias`));
      });
    }
    hidden = xs.map((x) => ln(x, 'transformer.ln_f'));
    lmHeadName = cfg.tie_word_embeddings === false ? 'lm_head.weight' : 'transformer.wte.weight';
  }
  const isClassifier = String((cfg.architectures as string[])[0]).endsWith('ForSequenceClassification');
  if (isClassifier) return { logits: null, score: hidden.map((h) => linear(h, 'score.weight', null)) };
  return { logits: hidden.map((h) => linear(h, lmHeadName, null)), score: null };
}

// ---------------------------------------------------------------------------------------------

/** The smallest llama the checks below need. */
const SMALL_LLAMA: ModelConfigInput = {
  arch: 'llama',
  vocabSize: 20,
  contextLength: 8,
  nLayers: 1,
  dim: 8,
  nHeads: 2,
};

const CASES: [string, ModelConfigInput][] = [
  [
    'llama, GQA, untied head, RoPE base 500',
    {
      arch: 'llama',
      vocabSize: 40,
      contextLength: 24,
      nLayers: 2,
      dim: 16,
      nHeads: 4,
      nKvHeads: 2,
      hidden: 24,
      normEps: 1e-6,
      ropeTheta: 500,
      tiedEmbeddings: false,
    },
  ],
  ['llama, tied, MHA', { arch: 'llama', vocabSize: 33, contextLength: 16, nLayers: 1, dim: 12, nHeads: 2 }],
  [
    "llama with Llama 3's rope scaling (every band: kept, smoothed, slowed)",
    {
      arch: 'llama',
      vocabSize: 30,
      contextLength: 20,
      nLayers: 2,
      dim: 32,
      nHeads: 2,
      ropeScaling: { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 64 },
    },
  ],
  [
    'llama with q, k and v biases alone (written as Qwen2), GQA, tied',
    {
      arch: 'llama',
      vocabSize: 31,
      contextLength: 14,
      nLayers: 2,
      dim: 16,
      nHeads: 4,
      nKvHeads: 2,
      qkvBias: true,
    },
  ],
  [
    'gpt, GQA (repeated into GPT-2 heads), biases, untied',
    {
      arch: 'gpt',
      vocabSize: 37,
      contextLength: 20,
      nLayers: 2,
      dim: 16,
      nHeads: 4,
      nKvHeads: 2,
      hidden: 40,
      tiedEmbeddings: false,
    },
  ],
  [
    'gpt, no biases (zeros in GPT-2), tied',
    { arch: 'gpt', vocabSize: 29, contextLength: 12, nLayers: 2, dim: 8, nHeads: 2, bias: false },
  ],
];

describe('exportHfFolder: weights', () => {
  CASES.forEach(([label, input], k) => {
    it(`${label}: readHfFolder gives the same logits, and so does HF's forward pass`, () => {
      const model = randomModel(input, 100 + k);
      const dir = join(tmp(), 'hf');
      const report = exportHfFolder(dir, model, null);
      expect(report.files).toEqual(['config.json', 'generation_config.json', 'model.safetensors']);
      expect(report.notes.join(' ')).toMatch(/no tokenizer/);

      const back = readHfFolder(dir);
      const reloaded = Transformer.fromWeights(back.config, back.weights);
      const rng = new Rng(7 + k);
      const ids = randomIds(rng, model.config.vocabSize, model.config.contextLength - 2);
      const original = logitsOf(model, ids);
      // same float32 weights, same kernels: identical up to the summation order of GQA vs MHA
      expect(maxDiff(logitsOf(reloaded, ids), original)).toBeLessThan(1e-5);

      const hf = hfForward(readFolder(dir), ids).logits!;
      expect(maxDiff(hf.flat(), original)).toBeLessThan(1e-4);
    });
  });

  it('llama with biases: attention_bias and mlp_bias, rotary rows of the q/k biases permuted too', () => {
    const model = randomModel(
      {
        arch: 'llama',
        vocabSize: 30,
        contextLength: 12,
        nLayers: 2,
        dim: 16,
        nHeads: 4,
        nKvHeads: 1,
        bias: true,
      },
      5,
    );
    const dir = join(tmp(), 'hf');
    exportHfFolder(dir, model, null);
    const folder = readFolder(dir);
    expect(folder.config).toMatchObject({ model_type: 'llama', attention_bias: true, mlp_bias: true });
    const ids = randomIds(new Rng(3), 30, 10);
    expect(maxDiff(hfForward(folder, ids).logits!.flat(), logitsOf(model, ids))).toBeLessThan(1e-4);
    const back = readHfFolder(dir);
    expect(back.config).toMatchObject({ bias: true, qkvBias: true });
    const reloaded = Transformer.fromWeights(back.config, back.weights);
    expect(maxDiff(logitsOf(reloaded, ids), logitsOf(model, ids))).toBeLessThan(1e-5);
  });

  it('writes a llama with q, k and v biases alone as Qwen2, a reward model as its classifier', () => {
    for (const [scalarHead, architecture] of [
      [false, 'Qwen2ForCausalLM'],
      [true, 'Qwen2ForSequenceClassification'],
    ] as const) {
      const dir = join(tmp(), 'hf');
      const model = randomModel({ ...SMALL_LLAMA, qkvBias: true }, 2, scalarHead);
      if (scalarHead) model.params.get('scalar_head.bias')!.data[0] = 0; // HF's score layer has no bias
      exportHfFolder(dir, model, null);
      const folder = readFolder(dir);
      expect(folder.config).toMatchObject({
        architectures: [architecture],
        model_type: 'qwen2',
        use_sliding_window: false,
      });
      expect(folder.config.attention_bias).toBeUndefined();
      expect([...folder.t.keys()].filter((n) => n.endsWith('.bias')).sort()).toEqual([
        'model.layers.0.self_attn.k_proj.bias',
        'model.layers.0.self_attn.q_proj.bias',
        'model.layers.0.self_attn.v_proj.bias',
      ]);
    }
  });

  it('writes the config fields transformers reads, from the model and its tokenizer', () => {
    const tok = BpeTokenizer.train('the cat sat on the mat. '.repeat(30), 270);
    const model = randomModel(
      {
        arch: 'llama',
        vocabSize: 272,
        contextLength: 16,
        nLayers: 1,
        dim: 8,
        nHeads: 2,
        nKvHeads: 1,
        hidden: 24,
        normEps: 1e-5,
      },
      1,
    );
    const dir = join(tmp(), 'hf');
    exportHfFolder(dir, model, tok);
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(cfg).toMatchObject({
      architectures: ['LlamaForCausalLM'],
      model_type: 'llama',
      vocab_size: 272,
      hidden_size: 8,
      intermediate_size: 24,
      num_hidden_layers: 1,
      num_attention_heads: 2,
      num_key_value_heads: 1,
      head_dim: 4,
      max_position_embeddings: 16,
      rms_norm_eps: 1e-5,
      rope_theta: 10000,
      tie_word_embeddings: true,
      torch_dtype: 'float32',
      hidden_act: 'silu',
      bos_token_id: null,
      eos_token_id: tok.eosId,
      pad_token_id: tok.padId,
    });
    const gen = JSON.parse(readFileSync(join(dir, 'generation_config.json'), 'utf8'));
    expect(gen).toMatchObject({ eos_token_id: tok.eosId, pad_token_id: tok.padId });
    expect(gen.bos_token_id).toBeUndefined();
    // tied: HF re-ties lm_head to the embedding, so it is not stored
    expect(readSafetensors(join(dir, 'model.safetensors')).tensors.has('lm_head.weight')).toBe(false);
    expect(readSafetensors(join(dir, 'model.safetensors')).metadata.format).toBe('pt');
    expect(readdirSync(dir).sort()).toEqual([
      'config.json',
      'generation_config.json',
      'model.safetensors',
      'special_tokens_map.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
  });
});

describe('exportHfFolder: reward and value models (scalar head)', () => {
  const input: ModelConfigInput = {
    arch: 'llama',
    vocabSize: 31,
    contextLength: 12,
    nLayers: 1,
    dim: 8,
    nHeads: 2,
  };

  for (const arch of ['llama', 'gpt'] as const) {
    it(`${arch}: a head with bias 0 exports exactly as *ForSequenceClassification`, () => {
      const model = randomModel({ ...input, arch }, 9, true);
      model.params.get('scalar_head.bias')!.data[0] = 0;
      const dir = join(tmp(), 'rm');
      const report = exportHfFolder(dir, model, null);
      expect(report.files).toEqual(['config.json', 'model.safetensors']);
      const folder = readFolder(dir);
      expect(folder.config.architectures).toEqual([
        arch === 'llama' ? 'LlamaForSequenceClassification' : 'GPT2ForSequenceClassification',
      ]);
      expect(folder.config.num_labels).toBe(1);
      const ids = randomIds(new Rng(2), 31, 9);
      const rein = T.noGrad(() => model.scalarAtLast({ ids: Int32Array.from(ids), B: 1, T: ids.length }))
        .data[0];
      const hf = hfForward(folder, ids).score!;
      expect(hf[ids.length - 1][0]).toBeCloseTo(rein, 4);
    });
  }

  it('a head with a bias is refused, or exported with the bias recorded when asked', () => {
    const model = randomModel(input, 4, true);
    model.params.get('scalar_head.bias')!.data[0] = 0.75;
    const dir = join(tmp(), 'rm');
    expect(() => exportHfFolder(dir, model, null)).toThrow(
      /bias 0\.75.*score layer has no bias.*dropScoreBias/,
    );
    expect(existsSync(dir)).toBe(false);
    const report = exportHfFolder(dir, model, null, { dropScoreBias: true });
    expect(report.notes.join(' ')).toMatch(/rein_score_bias/);
    const folder = readFolder(dir);
    expect(folder.config.rein_score_bias).toBe(0.75);
    const ids = randomIds(new Rng(8), 31, 7);
    const rein = T.noGrad(() => model.scalarAtLast({ ids: Int32Array.from(ids), B: 1, T: ids.length }))
      .data[0];
    expect(hfForward(folder, ids).score![ids.length - 1][0] + 0.75).toBeCloseTo(rein, 4);
  });
});

describe('exportLlama2c', () => {
  for (const tied of [true, false]) {
    it(`llama, GQA, ${tied ? 'tied' : 'untied'}: rein's llama2.c reader gives identical logits`, () => {
      const model = randomModel(
        {
          arch: 'llama',
          vocabSize: 45,
          contextLength: 20,
          nLayers: 2,
          dim: 16,
          nHeads: 4,
          nKvHeads: 2,
          tiedEmbeddings: tied,
        },
        21,
      );
      const file = join(tmp(), 'model.bin');
      const report = exportLlama2c(file, model, null);
      expect(report.path).toBe(file);
      const back = readLlama2cCheckpoint(file);
      expect(back.config).toEqual(model.config);
      const ids = randomIds(new Rng(4), 45, 18);
      expect(
        maxDiff(logitsOf(Transformer.fromWeights(back.config, back.weights), ids), logitsOf(model, ids)),
      ).toBe(0);
    });
  }

  it('refuses what llama2.c cannot run as the same function', () => {
    const file = join(tmp(), 'x.bin');
    expect(() => exportLlama2c(file, randomModel({ ...SMALL_LLAMA, arch: 'gpt' }, 1), null)).toThrow(
      /only llama models/,
    );
    expect(() => exportLlama2c(file, randomModel({ ...SMALL_LLAMA, ropeTheta: 500 }, 1), null)).toThrow(
      /RoPE base at 10000/,
    );
    expect(() => exportLlama2c(file, randomModel({ ...SMALL_LLAMA, normEps: 1e-6 }, 1), null)).toThrow(
      /epsilon at 1e-5/,
    );
    expect(() => exportLlama2c(file, randomModel({ ...SMALL_LLAMA, bias: true }, 1), null)).toThrow(
      /no biases/,
    );
    expect(() => exportLlama2c(file, randomModel({ ...SMALL_LLAMA, qkvBias: true }, 1), null)).toThrow(
      /no biases/,
    );
    const ropeScaling = { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 64 };
    expect(() => exportLlama2c(file, randomModel({ ...SMALL_LLAMA, ropeScaling }, 1), null)).toThrow(
      /no rope scaling/,
    );
    expect(() => exportLlama2c(file, randomModel(SMALL_LLAMA, 1, true), null)).toThrow(/scalar head/);
    const tok = BpeTokenizer.train('ab ab ab', 262);
    expect(() =>
      exportLlama2c(file, randomModel(SMALL_LLAMA, 1), tok, { tokenizerOut: join(tmp(), 't.bin') }),
    ).toThrow(/rein-bpe tokenizer cannot be written in llama2.c's tokenizer format/);
    expect(existsSync(file)).toBe(false);
  });
});

/** A small llama2.c tokenizer file: <unk> <s> </s>, the 256 byte pieces, then a few pieces. */
function llama2cTokenizerBytes(): Uint8Array {
  const entries: [string, number][] = [
    ['<unk>', 0],
    ['\n<s>\n', 0],
    ['\n</s>\n', 0],
  ];
  for (let b = 0; b < 256; b++) entries.push([`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, 0]);
  for (const [i, piece] of [' ', 'a', 'b', ' a', 'ab'].entries()) entries.push([piece, -i]);
  const parts: Buffer[] = [Buffer.from(Int32Array.of(8).buffer)];
  for (const [piece, score] of entries) {
    const bytes = Buffer.from(piece, 'utf8');
    const head = Buffer.alloc(8);
    head.writeFloatLE(score, 0);
    head.writeInt32LE(bytes.length, 4);
    parts.push(head, bytes);
  }
  return new Uint8Array(Buffer.concat(parts));
}

describe('a model with a llama2.c tokenizer', () => {
  const bytes = llama2cTokenizerBytes();
  const tok = Llama2cTokenizer.parse(bytes, 'tok.bin');
  const model = randomModel(
    { arch: 'llama', vocabSize: tok.vocabSize, contextLength: 8, nLayers: 1, dim: 8, nHeads: 2 },
    6,
  );

  it('llama2c: the tokenizer is written byte for byte with tokenizerOut, and noted without', () => {
    const dir = tmp();
    const report = exportLlama2c(join(dir, 'm.bin'), model, tok, {
      tokenizerOut: join(dir, 'tokenizer.bin'),
    });
    expect(report.files).toEqual([join(dir, 'm.bin'), join(dir, 'tokenizer.bin')]);
    expect(new Uint8Array(readFileSync(join(dir, 'tokenizer.bin')))).toEqual(bytes);
    const alone = exportLlama2c(join(dir, 'n.bin'), model, tok);
    expect(alone.notes.join(' ')).toMatch(/llama2\.c tokenizer was not written/);
  });

  it('llama2c: tokenizerOut naming the model file itself is refused, and nothing is written', () => {
    const dir = tmp();
    const same = join(dir, 'm.bin');
    // without the check: the tokenizer was written there, then the model refused as "already
    // exists" (leaving tokenizer.bin under the model's name), or with replace overwrote it
    for (const replace of [false, true]) {
      expect(() =>
        exportLlama2c(same, model, tok, { tokenizerOut: join(dir, '.', 'm.bin'), replace }),
      ).toThrow(/tokenizerOut .*m\.bin is the model's own output file/);
      expect(readdirSync(dir)).toEqual([]);
    }
  });

  it('hf: refused (no exact tokenizer.json form) unless the tokenizer is skipped; BOS/EOS still in config', () => {
    const dir = join(tmp(), 'hf');
    expect(() => exportHfFolder(dir, model, tok)).toThrow(
      /llama2c tokenizer cannot be written.*--no-tokenizer/,
    );
    expect(existsSync(dir)).toBe(false);
    const report = exportHfFolder(dir, model, tok, { skipTokenizer: true });
    expect(report.files).toEqual(['config.json', 'generation_config.json', 'model.safetensors']);
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(cfg).toMatchObject({ bos_token_id: 1, eos_token_id: 2, pad_token_id: null });
  });
});

describe('outputs appear whole or not at all', () => {
  it('an existing target is refused (and kept) unless replace is set', () => {
    const model = randomModel(
      { arch: 'gpt', vocabSize: 10, contextLength: 6, nLayers: 1, dim: 4, nHeads: 1 },
      2,
    );
    const parent = tmp();
    const dir = join(parent, 'out');
    exportHfFolder(dir, model, null);
    writeFileSync(join(dir, 'marker'), 'old');
    expect(() => exportHfFolder(dir, model, null)).toThrow(/already exists/);
    expect(readFileSync(join(dir, 'marker'), 'utf8')).toBe('old');
    exportHfFolder(dir, model, null, { replace: true });
    expect(existsSync(join(dir, 'marker'))).toBe(false);
    expect(readdirSync(parent)).toEqual(['out']); // no temporary or old sibling left
  });
});

// ---------------------------------------------------------------------------------------------
// stories260K: its exact shape with random weights always, the real file when the shared data is there.

function greedyAfterRoundTrips(model: Transformer, prompt: number[], steps: number) {
  const run = (m: Transformer) => generate(m, [prompt], { maxNew: steps, greedy: true, stopIds: [] })[0].ids;
  const dir = join(tmp(), 'hf');
  exportHfFolder(dir, model, null);
  const hf = readHfFolder(dir);
  const file = join(tmp(), 'model.bin');
  exportLlama2c(file, model, null);
  const l2c = readLlama2cCheckpoint(file);
  return {
    original: run(model),
    viaHf: run(Transformer.fromWeights(hf.config, hf.weights)),
    viaLlama2c: run(Transformer.fromWeights(l2c.config, l2c.weights)),
  };
}

describe("stories260K's shape (dim 64, 5 layers, 8 heads, 4 KV heads, vocab 512), random weights", () => {
  it('greedy generation is identical after the hf and the llama2c round trips', () => {
    const model = randomModel(
      {
        arch: 'llama',
        vocabSize: 512,
        contextLength: 512,
        nLayers: 5,
        dim: 64,
        nHeads: 8,
        nKvHeads: 4,
        hidden: 172,
      },
      260,
    );
    const r = greedyAfterRoundTrips(model, [1, 403, 407], 40);
    expect(r.viaHf).toEqual(r.original);
    expect(r.viaLlama2c).toEqual(r.original);
  });
});

const stories = sharedFile('llama2c', 'stories260K.bin');
const absent = stories ? '' : ' — skipped: shared data folder absent (../shared/data or REIN_SHARED_DATA)';
describe.skipIf(!stories)(`the real stories260K.bin (shared data)${absent}`, () => {
  it('greedy generation from BOS is identical after the hf and the llama2c round trips', () => {
    const { config, weights } = readLlama2cCheckpoint(stories!);
    const r = greedyAfterRoundTrips(Transformer.fromWeights(config, weights), [1], 120);
    expect(r.original.length).toBe(120);
    expect(r.viaHf).toEqual(r.original);
    expect(r.viaLlama2c).toEqual(r.original);
  });
});
