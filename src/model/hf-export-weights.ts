/**
 * rein's weights under Hugging Face's names and layouts — the inverse of readHfFolder's mapping
 * (hf-folder.ts), so that `readHfFolder(export(model))` computes the same function as `model`.
 *
 * Llama (and Qwen2, a llama with q, k and v biases): names only, plus the rotary layout: rein
 * rotates interleaved pairs, HF rotates halves, so the rows of q and k (and their biases) go back to
 * the half-split order per head.
 * GPT-2: Conv1D stores (in, out), so every projection is transposed, and q, k, v are fused into
 * `c_attn`. GPT-2 has no grouped-query attention: a rein gpt with fewer KV heads has each KV head
 * repeated for its group of query heads (exactly what grouped attention computes). GPT-2 always
 * has biases: a rein gpt without them gets zero biases (a zero bias, on a layer or a LayerNorm, is
 * no bias). GPT-2 always has learned positions, which rein's gpt has too.
 *
 * A scalar head (reward or value model) becomes `score.weight`; see scoreHeadBias for its bias.
 */
import type { ModelConfig } from './config.js';
import { interleavedToHalfSplit, transpose2d } from './hf-folder.js';
import type { NamedArray } from './safetensors.js';

type Weights = Map<string, NamedArray>;

function need(w: Weights, name: string): NamedArray {
  const t = w.get(name);
  if (!t) throw new Error(`Hugging Face export: weight '${name}' is missing`);
  return t;
}

/**
 * Rows of a k or v projection (KV·D rows, or a bias of KV·D) widened to H·D rows: query head h
 * reads KV head ⌊h / (H/KV)⌋, as rein's attention (and HF's repeat_kv) groups them.
 */
function repeatKvHeads(t: NamedArray, kvHeads: number, heads: number): NamedArray {
  if (kvHeads === heads) return t;
  const cols = t.shape.length > 1 ? t.shape[1] : 1;
  const D = t.shape[0] / kvHeads;
  const group = heads / kvHeads;
  const out = new Float32Array(heads * D * cols);
  for (let h = 0; h < heads; h++) {
    const from = Math.floor(h / group) * D * cols;
    out.set(t.data.subarray(from, from + D * cols), h * D * cols);
  }
  return { shape: t.shape.length > 1 ? [heads * D, cols] : [heads * D], data: out };
}

/** Columns side by side: (r, a) + (r, b) + … → (r, a + b + …). */
function concatColumns(parts: NamedArray[]): NamedArray {
  const r = parts[0].shape[0];
  const width = parts.reduce((s, p) => s + p.shape[1], 0);
  const out = new Float32Array(r * width);
  for (let i = 0; i < r; i++) {
    let at = i * width;
    for (const p of parts) {
      const c = p.shape[1];
      out.set(p.data.subarray(i * c, i * c + c), at);
      at += c;
    }
  }
  return { shape: [r, width], data: out };
}

function concat1d(parts: NamedArray[]): NamedArray {
  const n = parts.reduce((s, p) => s + p.data.length, 0);
  const out = new Float32Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p.data, at);
    at += p.data.length;
  }
  return { shape: [n], data: out };
}

const zeros = (n: number): NamedArray => ({ shape: [n], data: new Float32Array(n) });

/**
 * The HF tensors, in a stable order. `withScoreHead` adds `score.weight` from rein's scalar head
 * (which must then be in `weights`); the causal LM head is written only when untied (HF ties it).
 */
export function hfWeights(
  c: ModelConfig,
  weights: Weights,
  options: { withScoreHead?: boolean } = {},
): [string, NamedArray][] {
  const out: [string, NamedArray][] = c.arch === 'llama' ? llamaWeights(c, weights) : gpt2Weights(c, weights);
  if (options.withScoreHead) out.push(['score.weight', need(weights, 'scalar_head.weight')]);
  else if (!c.tiedEmbeddings) out.push(['lm_head.weight', need(weights, 'lm_head.weight')]);
  return out;
}

function llamaWeights(c: ModelConfig, w: Weights): [string, NamedArray][] {
  const out: [string, NamedArray][] = [['model.embed_tokens.weight', need(w, 'tok_emb')]];
  const put = (name: string, t: NamedArray) => out.push([name, t]);
  for (let i = 0; i < c.nLayers; i++) {
    const r = `layers.${i}`;
    const h = `model.layers.${i}`;
    put(`${h}.input_layernorm.weight`, need(w, `${r}.norm1.weight`));
    const proj = (rein: string, hf: string, ropeHeads: number | null, bias = c.bias) => {
      for (const kind of bias ? ['weight', 'bias'] : ['weight']) {
        const t = need(w, `${r}.${rein}.${kind}`);
        put(`${h}.${hf}.${kind}`, ropeHeads === null ? t : interleavedToHalfSplit(t, ropeHeads));
      }
    };
    proj('attn.q', 'self_attn.q_proj', c.nHeads, c.qkvBias);
    proj('attn.k', 'self_attn.k_proj', c.nKvHeads, c.qkvBias);
    proj('attn.v', 'self_attn.v_proj', null, c.qkvBias);
    proj('attn.o', 'self_attn.o_proj', null);
    put(`${h}.post_attention_layernorm.weight`, need(w, `${r}.norm2.weight`));
    proj('mlp.gate', 'mlp.gate_proj', null);
    proj('mlp.up', 'mlp.up_proj', null);
    proj('mlp.down', 'mlp.down_proj', null);
  }
  put('model.norm.weight', need(w, 'norm.weight'));
  return out;
}

function gpt2Weights(c: ModelConfig, w: Weights): [string, NamedArray][] {
  const { dim: C, hidden: H } = c;
  const out: [string, NamedArray][] = [
    ['transformer.wte.weight', need(w, 'tok_emb')],
    ['transformer.wpe.weight', need(w, 'pos_emb')],
  ];
  const put = (name: string, t: NamedArray) => out.push([name, t]);
  const bias = (name: string, n: number) => (c.bias ? need(w, name) : zeros(n));
  const widen = (t: NamedArray) => repeatKvHeads(t, c.nKvHeads, c.nHeads);
  for (let i = 0; i < c.nLayers; i++) {
    const r = `layers.${i}`;
    const h = `transformer.h.${i}`;
    put(`${h}.ln_1.weight`, need(w, `${r}.norm1.weight`));
    put(`${h}.ln_1.bias`, bias(`${r}.norm1.bias`, C));
    const q = need(w, `${r}.attn.q.weight`);
    const k = widen(need(w, `${r}.attn.k.weight`));
    const v = widen(need(w, `${r}.attn.v.weight`));
    put(`${h}.attn.c_attn.weight`, concatColumns([transpose2d(q), transpose2d(k), transpose2d(v)]));
    const kvBias = c.nKvHeads * c.headDim;
    put(
      `${h}.attn.c_attn.bias`,
      concat1d([
        bias(`${r}.attn.q.bias`, C),
        widen(bias(`${r}.attn.k.bias`, kvBias)),
        widen(bias(`${r}.attn.v.bias`, kvBias)),
      ]),
    );
    put(`${h}.attn.c_proj.weight`, transpose2d(need(w, `${r}.attn.o.weight`)));
    put(`${h}.attn.c_proj.bias`, bias(`${r}.attn.o.bias`, C));
    put(`${h}.ln_2.weight`, need(w, `${r}.norm2.weight`));
    put(`${h}.ln_2.bias`, bias(`${r}.norm2.bias`, C));
    put(`${h}.mlp.c_fc.weight`, transpose2d(need(w, `${r}.mlp.fc.weight`)));
    put(`${h}.mlp.c_fc.bias`, bias(`${r}.mlp.fc.bias`, H));
    put(`${h}.mlp.c_proj.weight`, transpose2d(need(w, `${r}.mlp.proj.weight`)));
    put(`${h}.mlp.c_proj.bias`, bias(`${r}.mlp.proj.bias`, C));
  }
  put('transformer.ln_f.weight', need(w, 'norm.weight'));
  put('transformer.ln_f.bias', bias('norm.bias', C));
  return out;
}

/** The bias of rein's scalar head: HF's `score` layer has none, so only 0 exports exactly. */
export function scoreHeadBias(weights: Weights): number {
  return need(weights, 'scalar_head.bias').data[0];
}
