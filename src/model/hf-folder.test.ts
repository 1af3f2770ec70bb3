import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { halfSplitToInterleaved, interleavedToHalfSplit, readHfFolder } from './hf-folder.js';
import { referenceLogits } from './reference-forward.js';
import { type NamedArray, writeSafetensors } from './safetensors.js';
import { hfInvFreq } from './test-helpers/hf-rope.js';

let seed = 11;
const rand = () => {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647 - 0.5;
};
const randn = (shape: number[], scale = 0.4, offset = 0): NamedArray => {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, data: Float32Array.from({ length: n }, () => offset + rand() * scale) };
};

function writeFolder(config: object, tensors: Record<string, NamedArray>): string {
  const dir = mkdtempSync(join(tmpdir(), 'rein-hf-model-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  writeSafetensors(join(dir, 'model.safetensors'), Object.entries(tensors), { format: 'pt' });
  return dir;
}

// ---- Hugging Face semantics, written independently of rein's layout (one sequence, float64).
const matvecIn = (W: NamedArray, x: number[]): number[] => {
  // Conv1D: W is (in, out), y = x · W
  const m = W.shape[1];
  return Array.from({ length: m }, (_, o) => x.reduce((s, xi, i) => s + xi * W.data[i * m + o], 0));
};
const matvecOut = (W: NamedArray, x: number[]): number[] => {
  // nn.Linear: W is (out, in), y = W x
  const [m, n] = W.shape;
  return Array.from({ length: m }, (_, o) => x.reduce((s, xi, i) => s + xi * W.data[o * n + i], 0));
};
const add = (a: number[], b: ArrayLike<number>) => a.map((v, i) => v + b[i]);
const layerNorm = (x: number[], g: NamedArray, b: NamedArray, eps: number) => {
  const mu = x.reduce((s, v) => s + v, 0) / x.length;
  const va = x.reduce((s, v) => s + (v - mu) ** 2, 0) / x.length;
  return x.map((v, i) => ((v - mu) / Math.sqrt(va + eps)) * g.data[i] + b.data[i]);
};
const rmsNorm = (x: number[], g: NamedArray, eps: number) => {
  const ms = x.reduce((s, v) => s + v * v, 0) / x.length;
  return x.map((v, i) => (v / Math.sqrt(ms + eps)) * g.data[i]);
};
const attend = (qs: number[][], ks: number[][], vs: number[][], H: number, KVH: number, D: number) =>
  qs.map((q, t) => {
    const y: number[] = [];
    for (let h = 0; h < H; h++) {
      const kh = Math.floor(h / (H / KVH));
      const sc = ks.slice(0, t + 1).map((k) => {
        let s = 0;
        for (let d = 0; d < D; d++) s += q[h * D + d] * k[kh * D + d];
        return s / Math.sqrt(D);
      });
      const m = Math.max(...sc);
      const e = sc.map((s) => Math.exp(s - m));
      const z = e.reduce((a, b) => a + b, 0);
      for (let d = 0; d < D; d++) y.push(e.reduce((s, p, j) => s + (p / z) * vs[j][kh * D + d], 0));
    }
    return y;
  });
/** HF's rotate_half rope: dim i pairs with dim i + D/2, at inv_freq i. */
const ropeHalf = (v: number[], heads: number, D: number, pos: number, invFreq: number[]) => {
  const out = v.slice();
  for (let h = 0; h < heads; h++)
    for (let i = 0; i < D / 2; i++) {
      const a = pos * invFreq[i];
      const x1 = v[h * D + i];
      const x2 = v[h * D + i + D / 2];
      out[h * D + i] = x1 * Math.cos(a) - x2 * Math.sin(a);
      out[h * D + i + D / 2] = x2 * Math.cos(a) + x1 * Math.sin(a);
    }
  return out;
};

describe('Hugging Face folders', () => {
  it('loads GPT-2 (Conv1D weights, fused c_attn) and matches a forward pass in HF semantics', () => {
    const [V, T, C, L, Hh, M] = [13, 8, 8, 2, 2, 20];
    const t: Record<string, NamedArray> = {
      'transformer.wte.weight': randn([V, C]),
      'transformer.wpe.weight': randn([T, C]),
      'transformer.ln_f.weight': randn([C], 0.2, 1),
      'transformer.ln_f.bias': randn([C]),
    };
    for (let i = 0; i < L; i++) {
      const h = `transformer.h.${i}`;
      Object.assign(t, {
        [`${h}.ln_1.weight`]: randn([C], 0.2, 1),
        [`${h}.ln_1.bias`]: randn([C]),
        [`${h}.attn.c_attn.weight`]: randn([C, 3 * C]),
        [`${h}.attn.c_attn.bias`]: randn([3 * C]),
        [`${h}.attn.c_proj.weight`]: randn([C, C]),
        [`${h}.attn.c_proj.bias`]: randn([C]),
        [`${h}.ln_2.weight`]: randn([C], 0.2, 1),
        [`${h}.ln_2.bias`]: randn([C]),
        [`${h}.mlp.c_fc.weight`]: randn([C, M]),
        [`${h}.mlp.c_fc.bias`]: randn([M]),
        [`${h}.mlp.c_proj.weight`]: randn([M, C]),
        [`${h}.mlp.c_proj.bias`]: randn([C]),
      });
    }
    const hfConfig = {
      model_type: 'gpt2',
      vocab_size: V,
      n_positions: T,
      n_embd: C,
      n_layer: L,
      n_head: Hh,
      n_inner: M,
    };
    const { config, weights } = readHfFolder(writeFolder(hfConfig, t));
    expect(config).toMatchObject({ arch: 'gpt', dim: C, hidden: M, tiedEmbeddings: true, bias: true });

    const ids = [3, 1, 4, 1, 5, 9];
    const eps = 1e-5;
    const gelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    let xs = ids.map((id, p) =>
      add(
        Array.from(t['transformer.wte.weight'].data.subarray(id * C, id * C + C)),
        t['transformer.wpe.weight'].data.subarray(p * C),
      ),
    );
    for (let i = 0; i < L; i++) {
      const g = (n: string) => t[`transformer.h.${i}.${n}`];
      const qkv = xs.map((x) =>
        add(
          matvecIn(g('attn.c_attn.weight'), layerNorm(x, g('ln_1.weight'), g('ln_1.bias'), eps)),
          g('attn.c_attn.bias').data,
        ),
      );
      const y = attend(
        qkv.map((r) => r.slice(0, C)),
        qkv.map((r) => r.slice(C, 2 * C)),
        qkv.map((r) => r.slice(2 * C)),
        Hh,
        Hh,
        C / Hh,
      );
      xs = xs.map((x, p) => add(x, add(matvecIn(g('attn.c_proj.weight'), y[p]), g('attn.c_proj.bias').data)));
      xs = xs.map((x) => {
        const h = add(
          matvecIn(g('mlp.c_fc.weight'), layerNorm(x, g('ln_2.weight'), g('ln_2.bias'), eps)),
          g('mlp.c_fc.bias').data,
        );
        return add(x, add(matvecIn(g('mlp.c_proj.weight'), h.map(gelu)), g('mlp.c_proj.bias').data));
      });
    }
    const expected = xs.map((x) =>
      matvecOut(
        t['transformer.wte.weight'],
        layerNorm(x, t['transformer.ln_f.weight'], t['transformer.ln_f.bias'], eps),
      ),
    );
    const got = referenceLogits(config, weights, ids);
    for (let p = 0; p < ids.length; p++)
      for (let v = 0; v < V; v++) expect(got[p][v]).toBeCloseTo(expected[p][v], 4);
  });

  /**
   * A Llama-family folder with random weights (q/k/v biases in Qwen2's layout, or every bias in
   * Llama's), read by rein and compared with HF's forward pass written here.
   */
  const llamaFamily = (
    hfType: 'llama' | 'qwen2',
    biases: 'none' | 'qkv' | 'all',
    tied: boolean,
    ropeScaling: Record<string, unknown> | null = null,
  ) => {
    const [V, C, L, Hh, KVH, M] = [17, 16, 2, 4, 2, 24];
    const D = C / Hh;
    const t: Record<string, NamedArray> = {
      'model.embed_tokens.weight': randn([V, C]),
      'model.norm.weight': randn([C], 0.2, 1),
    };
    if (!tied) t['lm_head.weight'] = randn([V, C]);
    const qkvBias = biases !== 'none';
    const allBias = biases === 'all';
    const shapes: Record<string, number[]> = {
      'self_attn.q_proj': [C, C],
      'self_attn.k_proj': [KVH * D, C],
      'self_attn.v_proj': [KVH * D, C],
      'self_attn.o_proj': [C, C],
      'mlp.gate_proj': [M, C],
      'mlp.up_proj': [M, C],
      'mlp.down_proj': [C, M],
    };
    const hasBias = (name: string) => allBias || (qkvBias && /[qkv]_proj$/.test(name));
    for (let i = 0; i < L; i++) {
      const h = `model.layers.${i}`;
      t[`${h}.input_layernorm.weight`] = randn([C], 0.2, 1);
      t[`${h}.post_attention_layernorm.weight`] = randn([C], 0.2, 1);
      for (const [name, shape] of Object.entries(shapes)) {
        t[`${h}.${name}.weight`] = randn(shape);
        if (hasBias(name)) t[`${h}.${name}.bias`] = randn([shape[0]]);
      }
    }
    const hfConfig = {
      model_type: hfType,
      vocab_size: V,
      hidden_size: C,
      intermediate_size: M,
      num_hidden_layers: L,
      num_attention_heads: Hh,
      num_key_value_heads: KVH,
      max_position_embeddings: 32,
      rms_norm_eps: 1e-6,
      rope_theta: 500,
      tie_word_embeddings: tied,
      rope_scaling: ropeScaling,
      ...(hfType === 'llama'
        ? { attention_bias: allBias, mlp_bias: allBias }
        : { use_sliding_window: false }),
    };
    const { config, weights } = readHfFolder(writeFolder(hfConfig, t));
    expect(config).toMatchObject({
      arch: 'llama',
      nKvHeads: KVH,
      ropeTheta: 500,
      normEps: 1e-6,
      tiedEmbeddings: tied,
      bias: allBias,
      qkvBias,
    });

    const ids = [2, 7, 1, 8, 2, 8, 1, 8, 2, 8, 4, 5, 9];
    const invFreq = hfInvFreq(500, D, ropeScaling as Record<string, number> | null);
    const silu = (x: number) => x / (1 + Math.exp(-x));
    let xs = ids.map((id) => Array.from(t['model.embed_tokens.weight'].data.subarray(id * C, id * C + C)));
    for (let i = 0; i < L; i++) {
      const g = (n: string) => t[`model.layers.${i}.${n}`];
      // nn.Linear with its bias where the folder has one
      const lin = (name: string, x: number[]) => {
        const y = matvecOut(g(`${name}.weight`), x);
        return hasBias(name) ? add(y, g(`${name}.bias`).data) : y;
      };
      const hs = xs.map((x) => rmsNorm(x, g('input_layernorm.weight'), 1e-6));
      const qs = hs.map((h, p) => ropeHalf(lin('self_attn.q_proj', h), Hh, D, p, invFreq));
      const ks = hs.map((h, p) => ropeHalf(lin('self_attn.k_proj', h), KVH, D, p, invFreq));
      const vs = hs.map((h) => lin('self_attn.v_proj', h));
      const y = attend(qs, ks, vs, Hh, KVH, D);
      xs = xs.map((x, p) => add(x, lin('self_attn.o_proj', y[p])));
      xs = xs.map((x) => {
        const h = rmsNorm(x, g('post_attention_layernorm.weight'), 1e-6);
        const u = lin('mlp.up_proj', h);
        const a = lin('mlp.gate_proj', h).map((v, j) => silu(v) * u[j]);
        return add(x, lin('mlp.down_proj', a));
      });
    }
    const head = t[tied ? 'model.embed_tokens.weight' : 'lm_head.weight'];
    const expected = xs.map((x) => matvecOut(head, rmsNorm(x, t['model.norm.weight'], 1e-6)));
    const got = referenceLogits(config, weights, ids);
    for (let p = 0; p < ids.length; p++)
      for (let v = 0; v < V; v++) expect(got[p][v]).toBeCloseTo(expected[p][v], 4);
  };

  it('loads Llama (half-split rope permuted to interleaved, GQA, untied head) and matches HF semantics', () => {
    llamaFamily('llama', 'none', false);
  });

  it('loads Qwen2 (biases on q, k and v alone, their q and k rows permuted for rope, tied head)', () => {
    llamaFamily('qwen2', 'qkv', true);
  });

  it('loads a Llama with attention_bias and mlp_bias (every linear layer)', () => {
    llamaFamily('llama', 'all', false);
  });

  it("loads Llama 3.2's rope_scaling (rope_type llama3), each band of its frequencies as HF computes them", () => {
    // head size 4: pair 0's wavelength 2π falls between 16/4 and 16/1 (mixed), pair 1's 2π·√500 ≈ 140 past it (slowed)
    llamaFamily('llama', 'none', true, {
      rope_type: 'llama3',
      factor: 8,
      low_freq_factor: 1,
      high_freq_factor: 4,
      original_max_position_embeddings: 16,
    });
  });

  it('refuses another kind of rope_scaling', () => {
    const cfg = {
      model_type: 'llama',
      vocab_size: 5,
      hidden_size: 4,
      intermediate_size: 8,
      num_hidden_layers: 1,
    };
    const withScaling = {
      ...cfg,
      num_attention_heads: 2,
      max_position_embeddings: 8,
      rope_scaling: { type: 'yarn', factor: 4 },
    };
    expect(() => readHfFolder(writeFolder(withScaling, {}))).toThrow(
      /config\.json: rope_scaling of type 'yarn' is not supported \(llama3\)/,
    );
  });

  it('refuses what rein would compute differently: biases on one kind of layer, a sliding window', () => {
    const base = { vocab_size: 5, hidden_size: 4, intermediate_size: 8, num_hidden_layers: 1 };
    const cfg = { ...base, num_attention_heads: 2, max_position_embeddings: 8 };
    expect(() =>
      readHfFolder(writeFolder({ model_type: 'llama', ...cfg, attention_bias: true }, {})),
    ).toThrow(/config\.json: attention_bias true with mlp_bias false is not supported/);
    expect(() =>
      readHfFolder(writeFolder({ model_type: 'qwen2', ...cfg, use_sliding_window: true }, {})),
    ).toThrow(/config\.json: use_sliding_window is not supported/);
  });

  it('permutes rope rows reversibly', () => {
    const w = randn([12, 3]);
    expect(interleavedToHalfSplit(halfSplitToInterleaved(w, 3), 3)).toEqual(w);
  });

  it('names the file and tensor when the folder is wrong', () => {
    const base = { model_type: 'gpt2', vocab_size: 5, n_positions: 4, n_embd: 4, n_layer: 1, n_head: 2 };
    const dir = writeFolder(base, { 'transformer.wte.weight': randn([5, 3]) });
    expect(() => readHfFolder(dir)).toThrow(
      /model\.safetensors: tensor 'transformer\.wte\.weight' has shape \[5,3\], config\.json implies \[5,4\]/,
    );
    const dir2 = writeFolder(base, { 'transformer.wte.weight': randn([5, 4]) });
    expect(() => readHfFolder(dir2)).toThrow(
      /config\.json: the weights have no tensor 'transformer\.wpe\.weight'/,
    );
    const dir3 = writeFolder({ model_type: 'bert' }, {});
    expect(() => readHfFolder(dir3)).toThrow(/model_type 'bert' is not supported/);
    expect(() => readHfFolder(mkdtempSync(join(tmpdir(), 'rein-empty-')))).toThrow(/no config\.json/);
  });
});
