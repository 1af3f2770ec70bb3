import { describe, expect, it } from 'vitest';
import * as T from '../tensor/index.js';
import { Rng } from '../util/rng.js';
import { type ModelConfig, resolveModelConfig } from './config.js';
import { packSequences } from './packing.js';
import { Transformer } from './transformer.js';

const configs: Record<string, ModelConfig> = {
  gpt: resolveModelConfig({ arch: 'gpt', vocabSize: 19, contextLength: 24, nLayers: 2, dim: 12, nHeads: 3 }),
  llama: resolveModelConfig({
    arch: 'llama',
    vocabSize: 19,
    contextLength: 24,
    nLayers: 2,
    dim: 16,
    nHeads: 4,
    nKvHeads: 2,
    hidden: 20,
  }),
};

/** Weights large enough that a token seeing another sequence, or a wrong position, shows. */
function randomModel(c: ModelConfig, seed: number): Transformer {
  const m = Transformer.init(c, new Rng(seed), { scalarHead: true });
  const rng = new Rng(seed + 1);
  for (const [name, p] of m.params)
    for (let i = 0; i < p.size; i++) p.data[i] += rng.normal(0, name.includes('norm') ? 0.1 : 0.15);
  return m;
}

const rng = new Rng(5);
const seqs = [7, 3, 12, 5, 9, 1, 4].map((n) => Array.from({ length: n }, () => 1 + rng.int(18)));

describe('packSequences', () => {
  it('lays sequences side by side, longest first into the first row with room', () => {
    const p = packSequences(seqs, 0, 12);
    // 12 | 9 3 | 7 5 | 4 1 (widths 12): four rows, every token once
    expect([p.B, p.T]).toEqual([4, 12]);
    const rowOf = Array.from(p.first, (f) => Math.floor(f / p.T));
    expect(rowOf).toEqual([2, 1, 0, 2, 1, 3, 3]);
    seqs.forEach((s, i) => {
      expect(Array.from(p.ids.subarray(p.first[i], p.first[i] + s.length))).toEqual(s);
      expect(p.length[i]).toBe(s.length);
      // every token of a sequence names its first column
      const col = p.first[i] % p.T;
      expect(Array.from(p.segmentStart.subarray(p.first[i], p.first[i] + s.length))).toEqual(
        new Array(s.length).fill(col),
      );
    });
    // row 3 holds 4 + 1 tokens; each of its 7 pads is a segment of its own
    expect(Array.from(p.ids.subarray(3 * 12 + 5, 4 * 12))).toEqual(new Array(7).fill(0));
    expect(Array.from(p.segmentStart.subarray(3 * 12 + 5, 4 * 12))).toEqual([5, 6, 7, 8, 9, 10, 11]);
    expect(() => packSequences(seqs, 0, 11)).toThrow('width 11 < the longest sequence (12)');
  });

  for (const arch of ['gpt', 'llama'] as const) {
    it(`${arch}: each packed token's logits and value are those of its sequence alone, and so are the gradients`, () => {
      const model = randomModel(configs[arch], 3);
      const p = packSequences(seqs, 0, 16);
      expect(p.B).toBeLessThan(seqs.length);
      const hidden = model.hidden(p);
      const logits = model.logitsFrom(hidden);
      const values = model.scalarsFrom(hidden);
      const V = configs[arch].vocabSize;
      // the check can fail: the same rows read as plain causal rows give other logits and values
      const unpacked = T.noGrad(() => model.hidden({ ids: p.ids, B: p.B, T: p.T }));
      const differs = (a: T.Tensor, b: T.Tensor) => a.data.some((x, i) => Math.abs(x - b.data[i]) > 0.05);
      expect(
        differs(
          T.noGrad(() => model.logitsFrom(unpacked)),
          logits,
        ),
      ).toBe(true);
      expect(
        differs(
          T.noGrad(() => model.scalarsFrom(unpacked)),
          values,
        ),
      ).toBe(true);
      // a loss on every token of every sequence: packed once, then each sequence in a row of its own
      const weights = T.tensor(
        Array.from({ length: p.B * p.T * V }, (_, i) => Math.sin(i)),
        [p.B, p.T, V],
      );
      const isReal = new Float32Array(p.B * p.T * V);
      seqs.forEach((s, i) => {
        isReal.fill(1, p.first[i] * V, (p.first[i] + s.length) * V);
      });
      T.backward(T.sum(T.mul(T.mul(logits, weights), T.tensor(isReal, [p.B, p.T, V]))));
      const gradOf = (w: T.Tensor) => w.grad ?? new Float32Array(w.size);
      const packedGrads = model.parameters().map((w) => Float32Array.from(gradOf(w)));
      for (const w of model.parameters()) w.grad = null;
      let aloneLoss: T.Tensor | null = null;
      seqs.forEach((s, i) => {
        const h = model.hidden({ ids: Int32Array.from(s), B: 1, T: s.length });
        const l = model.logitsFrom(h);
        const v = model.scalarsFrom(h);
        for (let t = 0; t < s.length; t++) {
          expect(v.data[t]).toBeCloseTo(values.data[p.first[i] + t], 5);
          for (let k = 0; k < V; k++)
            expect(l.data[t * V + k]).toBeCloseTo(logits.data[(p.first[i] + t) * V + k], 4);
        }
        const w = T.tensor(weights.data.slice(p.first[i] * V, (p.first[i] + s.length) * V), [1, s.length, V]);
        const term = T.sum(T.mul(l, w));
        aloneLoss = aloneLoss === null ? term : T.add(aloneLoss, term);
      });
      T.backward(aloneLoss!);
      model.parameters().forEach((w, j) => {
        const g = gradOf(w);
        for (let i = 0; i < w.size; i++) expect(g[i]).toBeCloseTo(packedGrads[j][i], 3);
      });
    });
  }

  it("reads each sequence's score at its last token; refuses a packed batch that hides where they lie", () => {
    const model = randomModel(configs.llama, 4);
    const p = packSequences(seqs, 0, 16);
    const scores = T.noGrad(() => model.scalarAtLast(p)).data;
    seqs.forEach((s, i) => {
      const alone = T.noGrad(() => model.scalarAtLast({ ids: Int32Array.from(s), B: 1, T: s.length }))
        .data[0];
      expect(scores[i]).toBeCloseTo(alone, 5);
    });
    // a row wider than the context (24) is fine while each sequence fits; a sequence of 25 is not
    const wide = packSequences(seqs, 0, 40);
    expect(wide.T).toBeGreaterThan(configs.llama.contextLength);
    const wideScores = T.noGrad(() => model.scalarAtLast(wide)).data;
    seqs.forEach((_, i) => {
      expect(wideScores[i]).toBeCloseTo(scores[i], 5);
    });
    expect(() => model.hidden(packSequences([new Array(25).fill(1)], 0, 25))).toThrow(
      'positions up to 25 exceed the context length 24',
    );
    const rowsOnly = { ids: p.ids, B: p.B, T: p.T, segmentStart: p.segmentStart };
    expect(() => model.scalarAtLast(rowsOnly)).toThrow('a packed batch must say where its sequences lie');
    expect(() => model.hidden({ ...p, segmentStart: p.segmentStart.subarray(1) })).toThrow(
      'segmentStart needs B·T',
    );
  });
});
