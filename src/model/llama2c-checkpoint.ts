import { readFileSync } from 'node:fs';
import { type ModelConfig, resolveModelConfig } from './config.js';
import type { NamedArray } from './safetensors.js';

/**
 * llama2.c model checkpoints (`stories260K.bin`, …).
 *
 * Legacy (version 0) files: seven int32 — dim, hidden_dim, n_layers, n_heads, n_kv_heads,
 * vocab_size, seq_len — where a negative vocab_size means the classifier is not tied to the
 * embedding; then float32 weights in this order: token embedding, per-layer attention norms,
 * wq, wk, wv, wo (each for all layers), ffn norms, w1, w2, w3, final norm, two RoPE tables
 * (seq_len × head_size/2 each, skipped: rein computes rotations itself), then the classifier
 * when untied. Version 1 files start with the magic "ak42" and a 256-byte header, and store the
 * norms first. Weights are (out, in), rotary pairs are interleaved — rein's own layout.
 */
export interface LoadedWeights {
  config: ModelConfig;
  weights: Map<string, NamedArray>;
}

const MAGIC = 0x616b3432; // "ak42"

export function readLlama2cCheckpoint(file: string): LoadedWeights {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  return parseLlama2cCheckpoint(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), file);
}

export function parseLlama2cCheckpoint(bytes: Uint8Array, source: string): LoadedWeights {
  const fail = (why: string): never => {
    throw new Error(`${source}: ${why}`);
  };
  if (bytes.length < 28) fail(`too short for a llama2.c checkpoint (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let version = 0;
  let headerBytes = 28;
  let at = 0;
  if (view.getUint32(0, true) === MAGIC) {
    version = view.getInt32(4, true);
    if (version !== 1)
      fail(`llama2.c checkpoint version ${version} is not supported (only float32 versions 0 and 1)`);
    headerBytes = 256;
    at = 8;
  }
  const h = Array.from({ length: 7 }, (_, i) => view.getInt32(at + 4 * i, true));
  const [dim, hidden, nLayers, nHeads, nKvHeads, rawVocab, seqLen] = h;
  const tied = version === 0 ? rawVocab > 0 : bytes[at + 28] === 1;
  const vocab = Math.abs(rawVocab);
  const plausible =
    [dim, hidden, nLayers, nHeads, nKvHeads, vocab, seqLen].every((x) => x > 0 && x < 1 << 24) &&
    dim % nHeads === 0 &&
    nHeads % nKvHeads === 0;
  if (!plausible) {
    fail(
      `not a llama2.c checkpoint: header dim=${dim} hidden_dim=${hidden} n_layers=${nLayers} n_heads=${nHeads} n_kv_heads=${nKvHeads} vocab_size=${rawVocab} seq_len=${seqLen} is not a valid model`,
    );
  }
  const config = resolveModelConfig(
    {
      arch: 'llama',
      vocabSize: vocab,
      contextLength: seqLen,
      nLayers,
      dim,
      nHeads,
      nKvHeads,
      hidden,
      tiedEmbeddings: tied,
    },
    source,
  );
  const head = dim / nHeads;
  const kvDim = nKvHeads * head;
  const L = nLayers;
  // [name pattern, per-layer shape, stacked over layers?]
  type Part = [string, number[], boolean];
  const embed: Part = ['tok_emb', [vocab, dim], false];
  const attnNorm: Part = ['norm1.weight', [dim], true];
  const ffnNorm: Part = ['norm2.weight', [dim], true];
  const finalNorm: Part = ['norm.weight', [dim], false];
  const mats: Part[] = [
    ['attn.q.weight', [dim, dim], true],
    ['attn.k.weight', [kvDim, dim], true],
    ['attn.v.weight', [kvDim, dim], true],
    ['attn.o.weight', [dim, dim], true],
  ];
  const mlp: Part[] = [
    ['mlp.gate.weight', [hidden, dim], true],
    ['mlp.down.weight', [dim, hidden], true],
    ['mlp.up.weight', [hidden, dim], true],
  ];
  const rope: Part = ['(rope tables)', [2 * seqLen * (head / 2)], false];
  const order: Part[] =
    version === 0
      ? [embed, attnNorm, ...mats, ffnNorm, ...mlp, finalNorm, rope]
      : [attnNorm, ffnNorm, finalNorm, embed, ...mats, ...mlp];
  if (!tied) order.push(['lm_head.weight', [vocab, dim], false]);

  const count = (p: Part) => p[1].reduce((a, b) => a * b, 1) * (p[2] ? L : 1);
  const expected = headerBytes + 4 * order.reduce((s, p) => s + count(p), 0);
  if (bytes.length < expected) {
    fail(
      `truncated llama2.c checkpoint: the header (dim ${dim}, ${L} layers, vocab ${vocab}) needs ${expected} bytes, the file has ${bytes.length}`,
    );
  }
  if (bytes.length > expected) {
    fail(
      `has ${bytes.length - expected} bytes more than its header (dim ${dim}, ${L} layers, vocab ${vocab}) describes: not a float32 llama2.c checkpoint`,
    );
  }
  const weights = new Map<string, NamedArray>();
  let off = headerBytes;
  const take = (n: number): Float32Array => {
    const out = new Float32Array(n);
    new Uint8Array(out.buffer).set(bytes.subarray(off, off + 4 * n));
    off += 4 * n;
    return out;
  };
  for (const part of order) {
    const [name, shape, stacked] = part;
    const n = shape.reduce((a, b) => a * b, 1);
    if (name === '(rope tables)') {
      off += 4 * n;
      continue;
    }
    if (!stacked) {
      weights.set(name, { shape, data: take(n) });
      continue;
    }
    for (let l = 0; l < L; l++) weights.set(`layers.${l}.${name}`, { shape, data: take(n) });
  }
  return { config, weights };
}

/** Writes rein weights of a llama-style config as a legacy (version 0) llama2.c checkpoint. */
export function encodeLlama2cCheckpoint(config: ModelConfig, weights: Map<string, NamedArray>): Uint8Array {
  if (config.arch !== 'llama' || config.bias || config.qkvBias || config.ropeScaling !== null)
    throw new Error('llama2.c checkpoints hold only llama models without biases or rope scaling');
  const get = (name: string) => {
    const w = weights.get(name);
    if (!w) throw new Error(`llama2.c export: weight '${name}' is missing`);
    return w.data;
  };
  const parts: Float32Array[] = [];
  const header = new Int32Array([
    config.dim,
    config.hidden,
    config.nLayers,
    config.nHeads,
    config.nKvHeads,
    config.tiedEmbeddings ? config.vocabSize : -config.vocabSize,
    config.contextLength,
  ]);
  parts.push(get('tok_emb'));
  const perLayer = (suffix: string) => {
    for (let l = 0; l < config.nLayers; l++) parts.push(get(`layers.${l}.${suffix}`));
  };
  for (const s of ['norm1.weight', 'attn.q.weight', 'attn.k.weight', 'attn.v.weight', 'attn.o.weight'])
    perLayer(s);
  for (const s of ['norm2.weight', 'mlp.gate.weight', 'mlp.down.weight', 'mlp.up.weight']) perLayer(s);
  parts.push(get('norm.weight'));
  const half = config.headDim / 2;
  const cos = new Float32Array(config.contextLength * half);
  const sin = new Float32Array(config.contextLength * half);
  for (let t = 0; t < config.contextLength; t++) {
    for (let i = 0; i < half; i++) {
      const a = t * config.ropeTheta ** ((-2 * i) / config.headDim);
      cos[t * half + i] = Math.cos(a);
      sin[t * half + i] = Math.sin(a);
    }
  }
  parts.push(cos, sin);
  if (!config.tiedEmbeddings) parts.push(get('lm_head.weight'));
  const total = 28 + parts.reduce((s, p) => s + p.byteLength, 0);
  const out = new Uint8Array(total);
  out.set(new Uint8Array(header.buffer), 0);
  let at = 28;
  for (const p of parts) {
    out.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), at);
    at += p.byteLength;
  }
  return out;
}
