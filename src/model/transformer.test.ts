import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pool } from '../kernels/pool.js';
import * as T from '../tensor/index.js';
import { sharedFile } from '../tokenizer/shared-data.js';
import { Rng } from '../util/rng.js';
import { type ModelConfig, resolveModelConfig } from './config.js';
import { readLlama2cCheckpoint } from './llama2c-checkpoint.js';
import { referenceLogits } from './reference-forward.js';
import { responseLogProbs, type TokenBatch, Transformer } from './transformer.js';

const configs: Record<string, ModelConfig> = {
  gpt: resolveModelConfig({ arch: 'gpt', vocabSize: 19, contextLength: 16, nLayers: 2, dim: 12, nHeads: 3 }),
  llama: resolveModelConfig({
    arch: 'llama',
    vocabSize: 23,
    contextLength: 16,
    nLayers: 2,
    dim: 16,
    nHeads: 4,
    nKvHeads: 2,
    hidden: 20,
    tiedEmbeddings: false,
  }),
};

/** A model with weights large enough that mistakes show (init's 0.02 makes everything near-uniform). */
function randomModel(c: ModelConfig, seed: number, scalarHead = false): Transformer {
  const m = Transformer.init(c, new Rng(seed), { scalarHead });
  const rng = new Rng(seed + 1);
  for (const [name, p] of m.params) {
    for (let i = 0; i < p.size; i++) p.data[i] += rng.normal(0, name.includes('norm') ? 0.1 : 0.3);
  }
  return m;
}

/** Rows of different lengths, left-padded with `pad` (start = first real token). */
function leftPad(rows: number[][], pad: number): TokenBatch {
  const Tn = Math.max(...rows.map((r) => r.length));
  const ids = new Int32Array(rows.length * Tn).fill(pad);
  const start = new Int32Array(rows.length);
  rows.forEach((r, b) => {
    start[b] = Tn - r.length;
    ids.set(r, b * Tn + start[b]);
  });
  return { ids, B: rows.length, T: Tn, start };
}

const single = (r: number[]): TokenBatch => ({ ids: Int32Array.from(r), B: 1, T: r.length });

for (const [arch, c] of Object.entries(configs)) {
  describe(`Transformer (${arch})`, () => {
    const model = randomModel(c, 5, true);
    const rows = [
      [1, 5, 2, 7, 3, 3, 9],
      [4, 4, 8],
      [11, 0, 6, 1, 2],
    ];

    it('matches the plain-loop reference forward', () => {
      const ids = rows[0];
      const got = T.noGrad(() => model.logits(single(ids))).toArray();
      const ref = referenceLogits(c, model.stateDict(), ids).flat();
      for (let i = 0; i < ref.length; i++) expect(got[i]).toBeCloseTo(ref[i], 4);
    });

    it("runs an inference pass layer by layer: the training pass's logits, one layer's buffers", () => {
      const batch = leftPad(rows, 0);
      const withGrad = T.scope(() => model.logits(batch).toArray());
      const inference = T.noGrad(() => T.scope(() => model.logits(batch).toArray()));
      expect(inference).toEqual(withGrad);
      // fresh pool buffers of one inference pass: each layer's intermediates go back to the pool
      // when the layer ends, so a deeper model needs about one more buffer per layer (its output)
      const freshBuffers = (layers: number): number => {
        const deep = randomModel({ ...c, nLayers: layers }, 5);
        pool.clear();
        const before = pool.stats().fresh;
        T.noGrad(() => T.scope(() => deep.logits(batch).toArray()));
        return pool.stats().fresh - before;
      };
      expect(freshBuffers(6) - freshBuffers(2)).toBeLessThanOrEqual(4);
    });

    it('gives every row of a left-padded batch the logits it has alone', () => {
      const batch = leftPad(rows, 0);
      const all = T.noGrad(() => model.logits(batch));
      const V = c.vocabSize;
      rows.forEach((r, b) => {
        const alone = T.noGrad(() => model.logits(single(r))).data;
        const s = batch.start![b];
        const mine = all.data.subarray((b * batch.T + s) * V, (b + 1) * batch.T * V);
        for (let i = 0; i < alone.length; i++) expect(mine[i]).toBeCloseTo(alone[i], 4);
      });
    });

    it('continues from a KV cache exactly like a full forward (left-padded batch)', () => {
      const batch = leftPad(rows, 0);
      const full = T.noGrad(() => model.logits(batch)).data;
      const caches = Array.from(
        { length: c.nLayers },
        () => new T.KVCache(batch.B, c.contextLength, c.nKvHeads, c.headDim),
      );
      const V = c.vocabSize;
      const prefix = 4;
      const sub = (t0: number, t1: number): TokenBatch => {
        const ids = new Int32Array(batch.B * (t1 - t0));
        for (let b = 0; b < batch.B; b++)
          ids.set(batch.ids.subarray(b * batch.T + t0, b * batch.T + t1), b * (t1 - t0));
        return { ids, B: batch.B, T: t1 - t0, start: batch.start };
      };
      T.noGrad(() => model.logits(sub(0, prefix), { cache: caches }));
      for (let t = prefix; t < batch.T; t++) {
        const step = T.noGrad(() => model.logits(sub(t, t + 1), { cache: caches })).data;
        for (let b = 0; b < batch.B; b++) {
          if (t < batch.start![b]) continue; // a pad query: no meaning
          for (let v = 0; v < V; v++) expect(step[b * V + v]).toBeCloseTo(full[(b * batch.T + t) * V + v], 4);
        }
      }
    });

    it('computes response log-probs batched equal to per-sample, and they are log-probabilities', () => {
      const batch = leftPad(rows, 0);
      const respStart = Int32Array.from(rows.map((r, b) => batch.start![b] + r.length - 2));
      const { logProbs, mask } = T.noGrad(() => responseLogProbs(model, batch, respStart, 0.7));
      rows.forEach((r, b) => {
        const one = T.noGrad(() => responseLogProbs(model, single(r), Int32Array.of(r.length - 2), 0.7));
        const s = batch.start![b];
        for (let t = 0; t < r.length; t++) {
          expect(logProbs.data[b * batch.T + s + t]).toBeCloseTo(one.logProbs.data[t], 4);
          expect(mask[b * batch.T + s + t]).toBe(one.mask[t]);
        }
        expect(one.mask.reduce((a, x) => a + x, 0)).toBe(2);
      });
      // check one value by hand: log softmax(logits/0.7)[token]
      const r = rows[0];
      const lg = T.noGrad(() => model.logits(single(r))).data;
      const V = c.vocabSize;
      const t = r.length - 1;
      const z = Array.from(lg.subarray((t - 1) * V, t * V), (x) => x / 0.7);
      const m = Math.max(...z);
      const lse = m + Math.log(z.reduce((a, x) => a + Math.exp(x - m), 0));
      expect(logProbs.data[0 * batch.T + batch.start![0] + t]).toBeCloseTo(z[r[t]] - lse, 4);
    });

    it('reads the scalar head at the last real token, whatever the padding', () => {
      const left = leftPad(rows, 0);
      const Tn = left.T;
      const rightIds = new Int32Array(rows.length * Tn);
      const end = new Int32Array(rows.length);
      rows.forEach((r, b) => {
        rightIds.set(r, b * Tn);
        end[b] = r.length;
      });
      const a = T.noGrad(() => model.scalarAtLast(left)).data;
      const bRight = T.noGrad(() => model.scalarAtLast({ ids: rightIds, B: rows.length, T: Tn, end })).data;
      rows.forEach((r, b) => {
        const alone = T.noGrad(() => model.scalarAtLast(single(r))).data[0];
        expect(a[b]).toBeCloseTo(alone, 4);
        expect(bRight[b]).toBeCloseTo(alone, 4);
      });
    });

    it('sends gradients to every weight through log-probs and the scalar head', () => {
      const m2 = model.clone();
      const batch = leftPad(rows, 0);
      T.scope(() => {
        const { logProbs } = responseLogProbs(m2, batch, Int32Array.of(0, 0, 0));
        T.backward(T.add(T.sum(logProbs), T.sum(m2.scalarAtLast(batch))));
      });
      for (const [name, p] of m2.params) {
        expect(p.grad, name).not.toBeNull();
        expect(
          p.grad!.some((g) => g !== 0),
          name,
        ).toBe(true);
      }
    });

    it('clones independently', () => {
      const copy = model.clone();
      copy.params.get('tok_emb')!.data[0] += 1;
      expect(model.params.get('tok_emb')!.data[0]).not.toBe(copy.params.get('tok_emb')!.data[0]);
      const rm = model.clone({ scalarHead: 'fresh', rng: new Rng(1) });
      expect(rm.hasScalarHead).toBe(true);
      expect(model.clone({ scalarHead: 'drop' }).hasScalarHead).toBe(false);
    });

    it("adds NEFTune's noise, uniform in ±α/√(T·C), to the token embeddings", () => {
      const ids = [1, 5, 2, 7, 3, 9]; // distinct tokens: each position's noise can move into its own embedding row
      const alpha = 5;
      const noisy = T.noGrad(() =>
        model.hidden(single(ids), { embeddingNoise: { alpha, rng: new Rng(7) } }),
      ).toArray();
      // the same draws added to a copy's embedding rows give the same hidden states, bit for bit
      // (hidden states, not logits: a gpt head shares the embedding table)
      const copy = model.clone();
      const emb = copy.params.get('tok_emb')!.data;
      const bound = alpha / Math.sqrt(ids.length * c.dim);
      const rng = new Rng(7);
      for (const id of ids)
        for (let j = 0; j < c.dim; j++)
          emb[id * c.dim + j] += Math.fround(-bound + 2 * bound * rng.uniform());
      expect(T.noGrad(() => copy.hidden(single(ids))).toArray()).toEqual(noisy);
      const clean = T.noGrad(() => model.hidden(single(ids))).toArray();
      expect(noisy).not.toEqual(clean);
      const off = T.noGrad(() =>
        model.hidden(single(ids), { embeddingNoise: { alpha: 0, rng: new Rng(7) } }),
      );
      expect(off.toArray()).toEqual(clean);
    });
  });
}

describe('Transformer errors', () => {
  it('names the weight and shapes when weights do not fit the config', () => {
    const c = configs.llama;
    const w = Transformer.init(c, new Rng(1)).stateDict();
    w.set('tok_emb', { shape: [3, 3], data: new Float32Array(9) });
    expect(() => Transformer.fromWeights(c, w, 'x.safetensors')).toThrow(
      /x\.safetensors: weight 'tok_emb' has shape \[3,3\]/,
    );
    const model = Transformer.init(configs.gpt, new Rng(1));
    expect(() => model.logits({ ids: new Int32Array(20), B: 1, T: 20 })).toThrow(
      /exceed the context length 16/,
    );
    expect(() => model.scalarAtLast(single([1]))).toThrow(/no scalar head/);
  });
});

const bin = sharedFile('llama2c', 'stories260K.bin');
const golden = sharedFile('llama2c', 'stories260K.golden.json');
describe.skipIf(!bin || !golden)('stories260K through the tensor path (shared data)', () => {
  it('reproduces the golden logits at positions 0–3 within 1e-4', () => {
    const { config, weights } = readLlama2cCheckpoint(bin!);
    const model = Transformer.fromWeights(config, weights);
    const g = JSON.parse(readFileSync(golden!, 'utf8'));
    const ids = [...g.prompt_ids, ...g.greedy_ids].slice(0, 4);
    const logits = T.noGrad(() => model.logits(single(ids))).data;
    for (let t = 0; t < 4; t++) {
      for (let v = 0; v < 16; v++)
        expect(Math.abs(logits[t * 512 + v] - g.logits_first16_at_pos0to3[t][v])).toBeLessThan(1e-4);
    }
  });
});
