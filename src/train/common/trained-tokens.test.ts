import { describe, expect, it } from 'vitest';
import * as T from '../../tensor/index.js';
import { Rng } from '../../util/rng.js';
import { tinyModel } from '../test-helpers/fixtures.js';
import { packRight, padRight } from './batch.js';
import { bySequence, trainedTokenNll, trainedTokens } from './trained-tokens.js';

const seqs = [
  { ids: [1, 2, 3, 4, 5], responseStart: 3 },
  { ids: [6, 7, 8], responseStart: 1 },
];

describe('trainedTokens', () => {
  it('pairs each response token with the cell before it, sequence after sequence', () => {
    const t = trainedTokens(padRight(seqs, 0, 5)); // rows of 5
    // row 0: cells 2, 3 predict tokens 4, 5 (the response starts at index 3); row 1: cells 5, 6 predict 7, 8
    expect(Array.from(t.cells)).toEqual([2, 3, 5, 6]);
    expect(Array.from(t.targets)).toEqual([4, 5, 7, 8]);
    expect(Array.from(t.offsets)).toEqual([0, 2, 4]);
  });

  it('takes every token from the second when pretraining on text', () => {
    const t = trainedTokens(padRight(seqs, 0, 5), true);
    expect(Array.from(t.targets)).toEqual([2, 3, 4, 5, 7, 8]);
    expect(Array.from(t.cells)).toEqual([0, 1, 2, 3, 5, 6]);
  });

  it('finds the same tokens in a packed batch, where each sequence lies', () => {
    const three = [...seqs, { ids: [9, 10, 11, 12, 13, 14, 15], responseStart: 0 }];
    const p = packRight(three, 0, 16);
    expect([p.B, p.T]).toEqual([1, 16]); // 7 + 5 + 3 tokens side by side, one pad
    for (const all of [false, true]) {
      const packed = trainedTokens(p, all);
      three.forEach((s, i) => {
        const alone = trainedTokens(padRight([s], 0, 16), all);
        const [from, to] = [packed.offsets[i], packed.offsets[i + 1]];
        expect(Array.from(packed.targets.subarray(from, to))).toEqual(Array.from(alone.targets));
        expect(Array.from(packed.cells.subarray(from, to), (c) => c - p.first[i])).toEqual(
          Array.from(alone.cells),
        );
      });
    }
  });
});

describe('trainedTokenNll', () => {
  const V = 30;
  const rng = new Rng(8);
  const ids = (n: number) => Array.from({ length: n }, () => 1 + rng.int(V - 1));
  const chats = [
    { ids: ids(14), responseStart: 6 },
    { ids: ids(5), responseStart: 4 },
    { ids: ids(22), responseStart: 3 },
  ];

  it("equals the cross-entropy of the full logits at the trained cells, with the full pass's gradients", () => {
    for (const arch of ['gpt', 'llama'] as const) {
      const model = tinyModel(V, 5, arch);
      const batch = packRight(chats, 0, 64);
      const trained = trainedTokens(batch);
      const grads = (lossOf: () => T.Tensor) => {
        for (const p of model.params.values()) p.grad?.fill(0);
        const loss = T.scope(() => {
          const l = lossOf();
          T.backward(l);
          return l.item();
        });
        return { loss, grad: [...model.params.values()].flatMap((p) => Array.from(p.grad!)) };
      };
      const temperature = 0.8;
      // the reference: the head on every cell, the scaled logits' cross-entropy read at the trained cells
      const full = grads(() => {
        const logits = T.scale(model.logits(batch), 1 / temperature); // (B, T, V)
        const targets = new Int32Array(batch.B * batch.T).fill(-1);
        trained.cells.forEach((c, k) => {
          targets[c] = trained.targets[k];
        });
        return T.crossEntropy(logits, targets, { ignoreIndex: -1 });
      });
      const cellsOnly = grads(() =>
        trainedTokenNll(model, batch, trained, { temperature, reduction: 'mean' }),
      );
      expect(trained.targets.length).toBe(8 + 1 + 19);
      expect(cellsOnly.loss).toBeCloseTo(full.loss, 5);
      const scale = full.grad.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
      expect(scale).toBeGreaterThan(0);
      full.grad.forEach((g, i) => {
        expect(Math.abs(cellsOnly.grad[i] - g)).toBeLessThan(1e-5 * scale);
      });
      // per token, and summed, the same numbers
      const each = T.noGrad(() => Array.from(trainedTokenNll(model, batch, trained, { temperature }).data));
      const sum = T.noGrad(() =>
        trainedTokenNll(model, batch, trained, { temperature, reduction: 'sum' }).item(),
      );
      expect(sum).toBeCloseTo(
        each.reduce((a, b) => a + b, 0),
        4,
      );
      expect(sum / each.length).toBeCloseTo(full.loss, 5);
    }
  });
});

describe('bySequence', () => {
  it('lays per-token values out one sequence per row, zeros past each end', () => {
    const t = trainedTokens(padRight(seqs, 0, 5));
    const x = T.tensor(Float32Array.of(1, 2, 3, 4), [4]);
    expect(Array.from(bySequence(x, t, 3).data)).toEqual([1, 2, 0, 3, 4, 0]);
    expect(() => bySequence(x, t, 1)).toThrow(/2 tokens, more than the width 1/);
  });
});
