import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getBackend } from '../kernels/index.js';
import * as T from '../tensor/index.js';
import { Llama2cTokenizer } from '../tokenizer/llama2c.js';
import { sharedFile } from '../tokenizer/shared-data.js';
import { Rng } from '../util/rng.js';
import { resolveModelConfig } from './config.js';
import { Decoder } from './decoder.js';
import { generate } from './generate.js';
import { readLlama2cCheckpoint } from './llama2c-checkpoint.js';
import { kthLargest, pickToken, rowProbabilities, type SamplerOptions, SamplerScratch } from './sampler.js';
import { responseLogProbs, Transformer } from './transformer.js';

/** gpt, llama, llama with biases on q, k and v alone (Qwen2's layout), or with Llama 3's rope scaling. */
type Kind = 'gpt' | 'llama' | 'qwen2' | 'llama3';

function randomModel(kind: Kind, seed: number): Transformer {
  const c =
    kind === 'gpt'
      ? resolveModelConfig({ arch: kind, vocabSize: 29, contextLength: 40, nLayers: 2, dim: 16, nHeads: 4 })
      : resolveModelConfig({
          arch: 'llama',
          qkvBias: kind === 'qwen2',
          // head size 4: one pair's frequency mixed, the other slowed 4×
          ropeScaling:
            kind === 'llama3'
              ? { factor: 4, lowFreqFactor: 1, highFreqFactor: 8, originalContext: 32 }
              : null,
          vocabSize: 31,
          contextLength: 40,
          nLayers: 2,
          dim: 16,
          nHeads: 4,
          nKvHeads: 2,
          hidden: 24,
        });
  const m = Transformer.init(c, new Rng(seed));
  const rng = new Rng(seed + 7);
  for (const [name, p] of m.params)
    for (let i = 0; i < p.size; i++) p.data[i] += rng.normal(0, name.includes('norm') ? 0.1 : 0.4);
  return m;
}

const prompts = [
  [3, 1, 4, 1, 5, 9, 2, 6],
  [2, 7],
  [1, 8, 2, 8, 1],
];

for (const [kind, seed] of [
  ['gpt', 1],
  ['llama', 2],
  ['qwen2', 3],
  ['llama3', 4],
] as const) {
  describe(`generate (${kind})`, () => {
    const model = randomModel(kind, seed);

    it("decoder logits equal the tensor path's: the prompt pass, a step, and a chunk continuing the cache", () => {
      const d = new Decoder(model, 3, 20);
      const rows = [
        [0, 0, 5, 6, 7],
        [1, 2, 3, 4, 5],
      ];
      const more = [9, 4, 7]; // one step, then two tokens in one call
      const start = Int32Array.of(2, 0);
      d.begin(2, start);
      const V = model.config.vocabSize;
      const T8 = 8;
      const full = T.noGrad(() =>
        model.logits({ ids: Int32Array.from(rows.flatMap((r) => [...r, ...more])), B: 2, T: T8, start }),
      ).data;
      const expectRowsAt = (logits: Float32Array, t: number) => {
        for (let b = 0; b < 2; b++)
          for (let v = 0; v < V; v++) expect(logits[b * V + v]).toBeCloseTo(full[(b * T8 + t) * V + v], 4);
      };
      expectRowsAt(d.forward(Int32Array.from(rows.flat()), 5).slice(), 4);
      expectRowsAt(d.forward(Int32Array.of(9, 9), 1).slice(), 5);
      expectRowsAt(d.forward(Int32Array.of(4, 7, 4, 7), 2), 7);
    });

    it('greedy: each row of a left-padded batch generates what it generates alone', () => {
      const batch = generate(model, prompts, { maxNew: 12, greedy: true });
      prompts.forEach((p, b) => {
        const alone = generate(model, [p], { maxNew: 12, greedy: true })[0];
        expect(batch[b].ids).toEqual(alone.ids);
        batch[b].logProbs.forEach((lp, i) => {
          expect(lp).toBeCloseTo(alone.logProbs[i], 4);
        });
      });
    });

    it('a seed reproduces sampling exactly; another seed differs', () => {
      const opts = { maxNew: 15, temperature: 1.3, seed: 42 };
      const a = generate(model, prompts, opts);
      expect(generate(model, prompts, opts)).toEqual(a);
      const b = generate(model, prompts, { ...opts, seed: 43 });
      expect(b.map((g) => g.ids)).not.toEqual(a.map((g) => g.ids));
    });

    it('row seeds: a row draws the same in any batch, in any place', () => {
      const opts = { maxNew: 12, temperature: 1.3 };
      const seeds = [901, 17, 5550];
      const batched = generate(model, prompts, { ...opts, rowSeeds: seeds });
      prompts.forEach((p, b) => {
        const [alone] = generate(model, [p], { ...opts, rowSeeds: [seeds[b]] });
        expect(alone.ids).toEqual(batched[b].ids);
      });
      const reversed = generate(model, [...prompts].reverse(), { ...opts, rowSeeds: [...seeds].reverse() });
      expect(reversed.reverse().map((g) => g.ids)).toEqual(batched.map((g) => g.ids));
      const other = generate(model, prompts, { ...opts, rowSeeds: [1, 2, 3] });
      expect(other.map((g) => g.ids)).not.toEqual(batched.map((g) => g.ids));
      expect(() => generate(model, prompts, { ...opts, rowSeeds: [1] })).toThrow(/1 row seeds for 3 prompts/);
    });

    it('records the log-probs that responseLogProbs recomputes at the same temperature', () => {
      const temperature = 0.8;
      const gens = generate(model, prompts, { maxNew: 10, temperature, topK: 10, seed: 3 });
      gens.forEach((g, b) => {
        const ids = Int32Array.from([...prompts[b], ...g.ids]);
        const { logProbs } = T.noGrad(() =>
          responseLogProbs(
            model,
            { ids, B: 1, T: ids.length },
            Int32Array.of(prompts[b].length),
            temperature,
          ),
        );
        g.logProbs.forEach((lp, i) => {
          expect(lp).toBeCloseTo(logProbs.data[prompts[b].length + i], 4);
        });
      });
    });

    it('stops a row at a stop token and keeps it; top-k 1 and a tiny top-p are greedy', () => {
      const greedy = generate(model, prompts, { maxNew: 10, greedy: true });
      const stopId = greedy[0].ids[3];
      const stopped = generate(model, prompts, { maxNew: 10, greedy: true, stopIds: [stopId] });
      const cut = greedy[0].ids.indexOf(stopId);
      expect(stopped[0].ids).toEqual(greedy[0].ids.slice(0, cut + 1));
      expect(stopped[0].finishReason).toBe('stop');
      expect(generate(model, prompts, { maxNew: 10, topK: 1, seed: 9 }).map((g) => g.ids)).toEqual(
        greedy.map((g) => g.ids),
      );
      expect(generate(model, prompts, { maxNew: 10, topP: 1e-6, seed: 9 }).map((g) => g.ids)).toEqual(
        greedy.map((g) => g.ids),
      );
    });

    it('drops finished rows from the batch without changing the others (greedy vs alone)', () => {
      const many = [...prompts, [5, 5, 5], [9], [2, 4, 6, 8], [7, 1]];
      const free = generate(model, many, { maxNew: 16, greedy: true });
      // a stop token that ends rows at different steps: the most common first-half token
      const counts = new Map<number, number>();
      for (const g of free) for (const id of g.ids.slice(0, 8)) counts.set(id, (counts.get(id) ?? 0) + 1);
      const stopId = [...counts].sort((a, b) => b[1] - a[1])[0][0];
      const batch = generate(model, many, { maxNew: 16, greedy: true, stopIds: [stopId] });
      expect(new Set(batch.map((g) => g.ids.length)).size).toBeGreaterThan(2);
      many.forEach((p, b) => {
        const alone = generate(model, [p], { maxNew: 16, greedy: true, stopIds: [stopId] })[0];
        expect(batch[b].ids).toEqual(alone.ids);
        expect(batch[b].finishReason).toBe(alone.finishReason);
      });
    });

    it('clamps to the context length and rejects bad options', () => {
      const g = generate(model, [[1, 2, 3]], { maxNew: 1000, greedy: true });
      expect(g[0].ids.length).toBe(model.config.contextLength - 3 + 1);
      expect(() => generate(model, [[]], { maxNew: 3 })).toThrow(/prompt 0 is empty/);
      expect(() => generate(model, [[1]], { maxNew: 3, temperature: 0 })).toThrow(/temperature must be > 0/);
      expect(() => generate(model, [[1]], { maxNew: 3, topP: 1.5 })).toThrow(/topP/);
      expect(() => generate(model, [[100]], { maxNew: 3 })).toThrow(/outside the vocabulary/);
    });
  });
}

describe('sampling one token', () => {
  const logits = Float32Array.from([2, 1, 0.5, -1, 3, 0]);
  const probs = (temp: number, keep: (i: number) => boolean) => {
    const e = Array.from(logits, (x, i) => (keep(i) ? Math.exp(x / temp) : 0));
    const z = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / z);
  };
  const draw = (o: SamplerOptions, rng: Rng, s: SamplerScratch) =>
    pickToken(logits, rowProbabilities(getBackend(), logits, 1, o, s), o, rng, s);
  const freq = (o: SamplerOptions, n: number) => {
    const rng = new Rng(5);
    const s = new SamplerScratch(logits.length);
    const counts = new Array(logits.length).fill(0);
    for (let i = 0; i < n; i++) counts[draw(o, rng, s).id]++;
    return counts.map((c) => c / n);
  };

  it('samples in proportion to softmax(logits / T)', () => {
    const f = freq({ greedy: false, temperature: 1.5, topK: 0, topP: 1 }, 20000);
    probs(1.5, () => true).forEach((p, i) => {
      expect(Math.abs(f[i] - p)).toBeLessThan(0.015);
    });
  });

  it('top-k keeps the k most likely and renormalises', () => {
    const f = freq({ greedy: false, temperature: 1, topK: 3, topP: 1 }, 20000);
    probs(1, (i) => [4, 0, 1].includes(i)).forEach((p, i) => {
      expect(Math.abs(f[i] - p)).toBeLessThan(0.015);
    });
  });

  it('top-p keeps the smallest nucleus reaching p', () => {
    const full = probs(1, () => true); // sorted: 4 (0.56), 0 (0.21), 1 (0.08), …
    const f = freq({ greedy: false, temperature: 1, topK: 0, topP: 0.7 }, 20000);
    const z = full[4] + full[0];
    expect(Math.abs(f[4] - full[4] / z)).toBeLessThan(0.015);
    expect(Math.abs(f[0] - full[0] / z)).toBeLessThan(0.015);
    expect(f[1] + f[2] + f[3] + f[5]).toBe(0);
  });

  it('reports the untruncated log-probability at the temperature, and greedy at 1', () => {
    const s = new SamplerScratch(6);
    const r = draw({ greedy: false, temperature: 2, topK: 1, topP: 1 }, new Rng(1), s);
    expect(r.id).toBe(4);
    expect(r.logProb).toBeCloseTo(Math.log(probs(2, () => true)[4]), 6);
    const g = draw({ greedy: true, temperature: 1, topK: 0, topP: 1 }, new Rng(1), s);
    expect(g.id).toBe(4);
    expect(g.logProb).toBeCloseTo(Math.log(probs(1, () => true)[4]), 6);
  });

  it('kthLargest finds order statistics', () => {
    const r = new Rng(3);
    for (let n = 1; n < 40; n++) {
      const a = Float32Array.from({ length: n }, () => Math.round(r.normal() * 3) + 0);
      const sorted = Array.from(a).sort((x, y) => y - x);
      for (let k = 1; k <= n; k++) expect(kthLargest(a.slice(), n, k)).toBe(sorted[k - 1]);
    }
  });
});

const bin = sharedFile('llama2c', 'stories260K.bin');
const tok = sharedFile('llama2c', 'tok512.bin');
const golden = sharedFile('llama2c', 'stories260K.golden.json');
const absent =
  bin && tok && golden ? '' : ' — skipped: shared data folder absent (../shared/data or REIN_SHARED_DATA)';
describe.skipIf(!bin || !tok || !golden)(`stories260K golden greedy decoding (shared data)${absent}`, () => {
  it('reproduces the 120 greedy tokens from BOS token for token, and the golden text', () => {
    const g = JSON.parse(readFileSync(golden!, 'utf8'));
    const { config, weights } = readLlama2cCheckpoint(bin!);
    const model = Transformer.fromWeights(config, weights);
    const tokenizer = Llama2cTokenizer.load(tok!, config.vocabSize);
    const [out] = generate(
      model,
      [g.prompt_ids],
      { maxNew: g.greedy_steps, greedy: true, stopIds: [1] },
      tokenizer,
    );
    expect(out.ids).toEqual(g.greedy_ids);
    expect(out.text).toBe(g.greedy_text);
    // the decoder's logits at positions 0–3 match the golden ones within 1e-4
    const d = new Decoder(model, 1, 8);
    d.begin(1, null);
    [1, ...g.greedy_ids.slice(0, 3)].forEach((id: number, t: number) => {
      const logits = d.forward(Int32Array.of(id), 1);
      for (let v = 0; v < 16; v++)
        expect(Math.abs(logits[v] - g.logits_first16_at_pos0to3[t][v])).toBeLessThan(1e-4);
    });
    // and a batch of copies gives the same tokens on every row
    const many = generate(model, Array(4).fill(g.prompt_ids), {
      maxNew: g.greedy_steps,
      greedy: true,
      stopIds: [1],
    });
    for (const m of many) expect(m.ids).toEqual(g.greedy_ids);
  });
});
