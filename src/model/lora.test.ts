import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AdamW } from '../optim/index.js';
import { gradcheck, randomInput } from '../tensor/gradcheck.js';
import * as T from '../tensor/index.js';
import { Rng } from '../util/rng.js';
import { writeCheckpointFiles } from './checkpoint.js';
import { type ModelConfig, resolveModelConfig } from './config.js';
import { Decoder } from './decoder.js';
import {
  attachLora,
  detachLora,
  type LoraOptions,
  loraProjections,
  mergeLora,
  withoutAdapters,
} from './lora.js';
import { readAdapterFiles, writeAdapterFiles } from './lora-files.js';
import { type TokenBatch, Transformer } from './transformer.js';

const configs: Record<string, ModelConfig> = {
  gpt: resolveModelConfig({ arch: 'gpt', vocabSize: 29, contextLength: 16, nLayers: 2, dim: 16, nHeads: 4 }),
  llama: resolveModelConfig({
    arch: 'llama',
    vocabSize: 31,
    contextLength: 16,
    nLayers: 2,
    dim: 16,
    nHeads: 4,
    nKvHeads: 2,
    hidden: 24,
    tiedEmbeddings: false,
  }),
};

/** Weights far from init's near-uniform 0.02, so that a wrong path shows. */
function randomModel(c: ModelConfig, seed: number): Transformer {
  const m = Transformer.init(c, new Rng(seed), { scalarHead: true });
  const rng = new Rng(seed + 1);
  for (const p of m.params.values()) for (let i = 0; i < p.size; i++) p.data[i] += rng.normal(0, 0.3);
  return m;
}

/** Three rows, two of them left-padded. */
function batchFor(c: ModelConfig): TokenBatch {
  const ids = Int32Array.from({ length: 3 * 9 }, (_, i) => (i * 7 + 3) % c.vocabSize);
  return { ids, B: 3, T: 9, start: Int32Array.of(0, 2, 5) };
}

const bytes = (x: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
const forward = (m: Transformer, b: TokenBatch) =>
  T.noGrad(() => ({
    logits: Float32Array.from(m.logits(b).data),
    scalar: Float32Array.from(m.scalarAtLast(b).data),
  }));
const copies = (m: Transformer) => new Map([...m.params].map(([n, p]) => [n, Float32Array.from(p.data)]));
const maxDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((d, x, i) => Math.max(d, Math.abs(x - b[i])), 0);
const all: LoraOptions = { rank: 2, alpha: 4, targets: ['attn', 'mlp'] };

/** Fills every B with random values: a trained adapter, as far as the forward pass is concerned. */
function randomiseB(m: Transformer, seed: number): void {
  const rng = new Rng(seed);
  for (const a of m.lora!.byProjection.values())
    for (let i = 0; i < a.B.size; i++) a.B.data[i] = rng.normal(0, 0.3);
}

for (const arch of ['gpt', 'llama'] as const) {
  const c = configs[arch];
  describe(`LoRA on a ${arch} model`, () => {
    it('selects every linear projection but the embedding and the heads', () => {
      const names = loraProjections(c, ['attn', 'mlp']);
      expect(names).toHaveLength(c.nLayers * (arch === 'gpt' ? 6 : 7));
      expect(names.slice(0, 4)).toEqual([
        'layers.0.attn.q',
        'layers.0.attn.k',
        'layers.0.attn.v',
        'layers.0.attn.o',
      ]);
      expect(loraProjections(c, ['q', 'v'])).toEqual([
        'layers.0.attn.q',
        'layers.0.attn.v',
        'layers.1.attn.q',
        'layers.1.attn.v',
      ]);
    });

    it('with B = 0 leaves logits and scores byte-identical, and detaching gives back the plain model', () => {
      const m = randomModel(c, 3);
      const b = batchFor(c);
      const before = forward(m, b);
      const lora = attachLora(m, all, new Rng(1));
      // A is drawn (PEFT's bound 1/√in), B is 0
      const q = lora.byProjection.get('layers.0.attn.q')!;
      expect(q.A.data.some((x) => x !== 0)).toBe(true);
      expect(Math.max(...q.A.data.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(c.dim));
      expect(q.scale).toBe(2);
      const attached = forward(m, b);
      expect(bytes(attached.logits).equals(bytes(before.logits))).toBe(true);
      expect(bytes(attached.scalar).equals(bytes(before.scalar))).toBe(true);
      // only the adapters and the scalar head train; the rest is frozen
      const trainable = [...m.trainableParams().keys()];
      expect(trainable).toHaveLength(2 * lora.byProjection.size + 2);
      expect(trainable.filter((n) => !n.includes('.lora_'))).toEqual([
        'scalar_head.weight',
        'scalar_head.bias',
      ]);
      expect(m.params.get('tok_emb')!.requiresGrad).toBe(false);
      detachLora(m);
      expect(m.lora).toBeNull();
      expect([...m.params.values()].every((p) => p.requiresGrad)).toBe(true);
      expect(m.trainableParams()).toBe(m.params);
      expect(bytes(forward(m, b).logits).equals(bytes(before.logits))).toBe(true);
    });

    it('trains only the adapters: base weights stay byte-identical, and B = 0 restores the old outputs', () => {
      const m = randomModel(c, 4);
      const b = batchFor(c);
      const before = forward(m, b);
      const base = copies(m);
      attachLora(m, { ...all, targets: ['attn'] }, new Rng(2));
      const opt = new AdamW([...m.trainableParams()], { lr: 1e-2, weightDecay: 0 });
      for (let step = 0; step < 3; step++) {
        T.scope(() => {
          const targets = Int32Array.from({ length: b.B * b.T }, (_, i) => (i * 5) % c.vocabSize);
          T.backward(T.crossEntropy(m.logits(b), targets));
        });
        // no gradient reaches a frozen weight
        for (const [name, p] of m.params)
          if (!name.startsWith('scalar_head')) expect(p.grad, name).toBeNull();
        opt.step();
        opt.zeroGrad();
      }
      for (const [name, p] of m.params) {
        if (name.startsWith('scalar_head')) continue;
        expect(bytes(p.data).equals(bytes(base.get(name)!)), name).toBe(true);
      }
      const after = forward(m, b);
      expect(maxDiff(after.logits, before.logits)).toBeGreaterThan(1e-3);
      for (const a of m.lora!.byProjection.values()) {
        expect(a.B.data.some((x) => x !== 0)).toBe(true);
        a.B.data.fill(0);
      }
      expect(bytes(forward(m, b).logits).equals(bytes(before.logits))).toBe(true);
    });

    it('with its adapters switched off computes the base, byte for byte, and gets them back after', () => {
      const m = randomModel(c, 5);
      const b = batchFor(c);
      const base = forward(m, b);
      const lora = attachLora(m, all, new Rng(3));
      randomiseB(m, 6);
      const withAdapters = forward(m, b);
      const off = withoutAdapters(m, () => forward(m, b));
      expect(bytes(off.logits).equals(bytes(base.logits))).toBe(true);
      expect(bytes(off.scalar).equals(bytes(base.scalar))).toBe(true);
      expect(maxDiff(off.logits, withAdapters.logits)).toBeGreaterThan(1e-3);
      expect(() =>
        withoutAdapters(m, () => {
          throw new Error('inside');
        }),
      ).toThrow('inside');
      expect(m.lora).toBe(lora);
      expect(bytes(forward(m, b).logits).equals(bytes(withAdapters.logits))).toBe(true);
      detachLora(m);
      expect(() => withoutAdapters(m, () => 0)).toThrow(/the model has no LoRA adapters/);
    });

    it('merged weights give what the adapters gave (within 1e-5), as an ordinary model', () => {
      const m = randomModel(c, 5);
      const b = batchFor(c);
      attachLora(m, all, new Rng(3));
      randomiseB(m, 6);
      const withAdapters = forward(m, b);
      const base = copies(m);
      const lora = mergeLora(m);
      expect(m.lora).toBeNull();
      const merged = forward(m, b);
      expect(maxDiff(merged.logits, withAdapters.logits)).toBeLessThan(1e-5);
      expect(maxDiff(merged.scalar, withAdapters.scalar)).toBeLessThan(1e-5);
      // W changed by exactly the projections' updates: the rest is untouched
      for (const [name, p] of m.params) {
        const adapted = lora.byProjection.has(name.replace(/\.weight$/, ''));
        expect(bytes(p.data).equals(bytes(base.get(name)!)), name).toBe(!adapted);
      }
    });

    it("saves the adapter beside a checkpoint and attaches it again to the base's copy", () => {
      const base = randomModel(c, 7);
      const m = base.clone();
      const lora = attachLora(m, all, new Rng(4));
      randomiseB(m, 8);
      const b = batchFor(c);
      const expected = forward(m, b);
      const dir = mkdtempSync(join(tmpdir(), 'rein-lora-'));
      writeAdapterFiles(dir, lora, m, 'runs/base');
      const saved = readAdapterFiles(dir);
      expect(saved.base).toBe('runs/base');
      expect(saved.options).toEqual({ ...all, dropout: 0 });
      expect(saved.weights.has('scalar_head.weight')).toBe(true); // the head trains with the adapters
      attachLora(base, saved.options, saved.weights);
      const again = forward(base, b);
      expect(bytes(again.logits).equals(bytes(expected.logits))).toBe(true);
    });
  });
}

describe('sampling a model with adapters', () => {
  for (const [arch, c] of Object.entries(configs)) {
    it(`${arch}: the decoder computes what the tensor path computes, prefill and each cached step`, () => {
      const m = randomModel(c, 6);
      attachLora(m, all, new Rng(2));
      randomiseB(m, 3);
      const ids = Int32Array.from({ length: 7 }, (_, i) => (i * 5 + 1) % c.vocabSize);
      const V = c.vocabSize;
      const full = T.noGrad(() => Float32Array.from(m.logits({ ids, B: 1, T: ids.length }).data));
      const d = new Decoder(m, 1, 8);
      d.begin(1, null);
      const afterPrompt = d.forward(ids.subarray(0, 5), 5).slice();
      expect(maxDiff(afterPrompt, full.subarray(4 * V, 5 * V))).toBeLessThan(1e-4);
      for (const t of [5, 6]) {
        const step = d.forward(ids.subarray(t, t + 1), 1);
        expect(maxDiff(step, full.subarray(t * V, (t + 1) * V))).toBeLessThan(1e-4);
      }
      // and the adapters matter: without them the decoder gives other logits
      detachLora(m);
      d.begin(1, null);
      expect(maxDiff(d.forward(ids.subarray(0, 5), 5), full.subarray(4 * V, 5 * V))).toBeGreaterThan(1e-2);
    });
  }
});

describe('LoRA dropout', () => {
  it("masks the adapters' inputs only in passes that record gradients, once a step is open", () => {
    const m = randomModel(configs.gpt, 6);
    attachLora(m, { ...all, dropout: 0.5 }, new Rng(2));
    randomiseB(m, 3);
    const ids = Int32Array.from({ length: 7 }, (_, i) => (i * 5 + 1) % configs.gpt.vocabSize);
    const batch: TokenBatch = { ids, B: 1, T: ids.length };
    const training = () => T.scope(() => Float32Array.from(m.logits(batch).data));
    const clean = T.noGrad(() => Float32Array.from(m.logits(batch).data));
    expect(training()).toEqual(clean); // gradients on, but no step opened
    m.lora!.dropoutStep(0, 5);
    expect(T.noGrad(() => Float32Array.from(m.logits(batch).data))).toEqual(clean); // no gradients
    const masked = training();
    expect(maxDiff(masked, clean)).toBeGreaterThan(1e-3);
    m.lora!.dropoutStep(0, 5);
    expect(training()).toEqual(masked); // the masks are (seed, step)'s
    m.lora!.dropoutStep(0, 6);
    expect(maxDiff(training(), masked)).toBeGreaterThan(1e-3);
  });
});

describe('LoRA adapter gradients', () => {
  it('match finite differences in float64 for A, B and the input', () => {
    const rng = new Rng(11);
    const [rows, inF, outF, r] = [3, 5, 4, 2];
    const result = gradcheck(
      ([x, W, A, B]) => T.lowRankLinear(x, W, null, A, B, 1.5),
      [
        randomInput([rows, inF], rng),
        randomInput([outF, inF], rng, -1, 1, false), // W is frozen
        randomInput([r, inF], rng),
        randomInput([outF, r], rng), // B ≠ 0, or A's gradient would be 0 and prove nothing
      ],
    );
    if (!result.ok) throw new Error(`gradcheck failed: ${JSON.stringify(result.worst)}`);
    expect(result.ok).toBe(true);
  });
});

describe('LoRA errors', () => {
  const c = configs.gpt;
  it('names an unknown target, a projection the architecture lacks, a rank too large', () => {
    const m = randomModel(c, 1);
    expect(() => attachLora(m, { ...all, targets: ['attn', 'ffn'] }, new Rng(1))).toThrow(
      /unknown target 'ffn'/,
    );
    expect(() => attachLora(m, { ...all, targets: ['gate'] }, new Rng(1))).toThrow(
      /gpt model has no MLP projection 'gate'/,
    );
    expect(() => attachLora(m, { ...all, rank: 17 }, new Rng(1))).toThrow(
      /rank 17 exceeds layers\.0\.attn\.q/,
    );
    expect(() => attachLora(m, { ...all, rank: 0 }, new Rng(1))).toThrow(/rank must be a whole number ≥ 1/);
    expect(m.lora).toBeNull();
    expect(m.params.get('tok_emb')!.requiresGrad).toBe(true);
  });

  it('refuses to attach twice, or to save a model whose adapters are not merged', () => {
    const m = randomModel(c, 2);
    attachLora(m, all, new Rng(1));
    expect(() => attachLora(m, all, new Rng(1))).toThrow(/already has LoRA adapters/);
    expect(() => writeCheckpointFiles(mkdtempSync(join(tmpdir(), 'rein-lora-')), m, null, {})).toThrow(
      /merge them first/,
    );
    mergeLora(m);
    expect(() => mergeLora(m)).toThrow(/no LoRA adapters/);
  });
});
