import { describe, expect, it } from 'vitest';
import { responseLogProbs, type Transformer } from '../../model/transformer.js';
import * as T from '../../tensor/index.js';
import { Rng } from '../../util/rng.js';
import { tinyModel } from '../test-helpers/fixtures.js';
import {
  packRows,
  responseColumns,
  responseMask,
  rolloutBatch,
  rolloutLogProbs,
  sampledLogProbs,
  sampleRollouts,
  selectResponseRows,
  summedResponseLogProbs,
  toResponseLayout,
} from './rollout.js';

const V = 40;
const PAD = 0;
const rng = new Rng(11);
const tokens = (n: number) => Array.from({ length: n }, () => 1 + rng.int(V - 1));
// prompts of 3–17 tokens, responses of 0–20 (an empty one included)
const prompts = Array.from({ length: 6 }, (_, i) => tokens(3 + ((i * 7) % 15)));
const responses = [tokens(20), tokens(1), tokens(0), tokens(9), tokens(14), tokens(5)];
const batch = rolloutBatch(prompts, responses, PAD, 64);
const rows = [4, 0, 2, 5];

/** Σ over real response tokens of w·logp — a loss whose gradient reaches every weight. */
function weightedSum(x: T.Tensor, rowsMask: Float32Array, w: Float32Array): T.Tensor {
  return T.sum(
    T.mul(
      x,
      T.tensor(
        Float32Array.from(w, (v, i) => v * rowsMask[i]),
        x.shape,
      ),
    ),
  );
}

function gradsOf(model: Transformer, loss: () => T.Tensor): Float32Array[] {
  for (const p of model.params.values()) p.grad?.fill(0);
  T.scope(() => T.backward(loss()));
  return [...model.params.values()].map((p) => Float32Array.from(p.grad!));
}

describe('packRows', () => {
  it('packs each row from column 0, padded only to the longest packed row', () => {
    const p = packRows(batch, rows, PAD);
    const longest = Math.max(...rows.map((r) => prompts[r].length + Math.max(1, responses[r].length)));
    expect(p.T).toBe(Math.ceil(longest / 8) * 8);
    expect(p.T).toBeLessThan(batch.T);
    rows.forEach((r, i) => {
      expect(p.responseStart[i]).toBe(prompts[r].length);
      expect(Array.from(p.ids.subarray(i * p.T, i * p.T + p.end![i]))).toEqual([
        ...prompts[r],
        ...(responses[r].length ? responses[r] : [PAD]),
      ]);
    });
  });

  it('gives the same response log-probs, values and gradients as the aligned layout', () => {
    const policy = tinyModel(V, 2);
    const value = policy.clone({ scalarHead: 'fresh', rng: new Rng(5) });
    const { L } = batch;
    const mask = selectResponseRows(responseMask(batch), L, rows);
    const w = Float32Array.from({ length: rows.length * L }, () => rng.normal(0, 1));
    const packed = packRows(batch, rows, PAD);
    const aligned = (perToken: (b: typeof batch) => T.Tensor) =>
      T.tensor(selectResponseRows(responseColumns(perToken(batch).data, batch), L, rows), [rows.length, L]);
    const logpAligned = () => aligned((b) => responseLogProbs(policy, b, b.responseStart).logProbs);
    const logpPacked = () =>
      toResponseLayout(
        responseLogProbs(policy, packed, packed.responseStart).logProbs,
        packed.responseStart,
        L,
      );
    const valuesAt = (b: Parameters<Transformer['hidden']>[0]) => {
      const v = value.scalarsFrom(value.hidden(b));
      return T.concat([T.zeros([b.B, 1]), T.slice(v, 1, 0, b.T - 1)], 1);
    };
    const close = (a: Float32Array, b: Float32Array) =>
      Array.from(a).forEach((x, i) => {
        if (mask[i]) expect(x).toBeCloseTo(b[i], 4);
      });
    T.noGrad(() => {
      close(logpPacked().data, logpAligned().data);
      close(toResponseLayout(valuesAt(packed), packed.responseStart, L).data, aligned(valuesAt).data);
    });
    // gradients: the aligned rows as a batch of their own (their rows of the full layout)
    const sub = rolloutBatch(
      rows.map((r) => prompts[r]),
      rows.map((r) => responses[r]),
      PAD,
      64,
    );
    const subL = sub.L;
    const subW = new Float32Array(rows.length * subL);
    const subMask = responseMask(sub);
    for (let i = 0; i < rows.length; i++)
      for (let j = 0; j < Math.min(L, subL); j++) subW[i * subL + j] = w[i * L + j];
    const viaAligned = gradsOf(policy, () =>
      weightedSum(
        T.slice(responseLogProbs(policy, sub, sub.responseStart).logProbs, 1, sub.Tp, sub.Tp + subL),
        subMask,
        subW,
      ),
    );
    const viaPacked = gradsOf(policy, () => weightedSum(logpPacked(), mask, w));
    viaPacked.forEach((g, k) => {
      Array.from(g).forEach((x, i) => {
        expect(x).toBeCloseTo(viaAligned[k][i], 4);
      });
    });
  });
});

describe('summedResponseLogProbs at the context edge (context 64)', () => {
  const model = tinyModel(V, 3);
  const one = (p: number[], r: number[]) => summedResponseLogProbs(model, [p], [r], PAD)[0];

  it('rows that fit alone but not together are scored as they would be alone', () => {
    const longPrompt = tokens(50);
    const longResponse = tokens(40);
    const shortA = tokens(5);
    const shortB = tokens(6);
    // 50 + 40 > 64: one layout cannot hold both rows
    const both = summedResponseLogProbs(model, [longPrompt, shortA], [shortB, longResponse], PAD);
    expect(both[0]).toBeCloseTo(one(longPrompt, shortB), 4);
    expect(both[1]).toBeCloseTo(one(shortA, longResponse), 4);
  });

  it('a row one token past the context (generate samples a last token it never feeds) loses its first prompt token', () => {
    const prompt = tokens(30);
    const response = tokens(35); // 65 tokens
    expect(one(prompt, response)).toBeCloseTo(one(prompt.slice(1), response), 6);
    expect(() => one(tokens(2), tokens(70))).toThrow(/leaves no room in the context of 64/);
  });
});

describe('sampledLogProbs', () => {
  it("are the policy's log-probs of its rollouts at the sampling temperature, as a log-prob pass gives them", () => {
    const model = tinyModel(V, 3, 'llama');
    for (const temperature of [1, 0.7]) {
      const { gens, batch: sampled } = sampleRollouts(model, prompts, {
        maxNew: 12,
        temperature,
        stopIds: [1],
        seed: 5,
        padId: PAD,
        context: 64,
        who: 'test',
      });
      const fromSampler = sampledLogProbs(gens, sampled);
      const fromPass = rolloutLogProbs(model, sampled, temperature);
      const mask = responseMask(sampled);
      expect(mask.reduce((a, m) => a + m, 0)).toBeGreaterThan(20);
      fromPass.forEach((v, i) => {
        if (mask[i]) expect(fromSampler[i]).toBeCloseTo(v, 4);
        else expect(fromSampler[i]).toBe(0);
      });
    }
  });
});
