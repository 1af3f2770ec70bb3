import { describe, expect, it } from 'vitest';
import * as T from '../../tensor/index.js';
import { encodeChat } from '../../tokenizer/chat-template.js';
import { tinyModel, toyDemos, toyTokenizer } from '../test-helpers/fixtures.js';
import { padRight, type Sequence } from './batch.js';
import { accumulateGradients, microBatches } from './micro-batches.js';
import { trainedTokenNll, trainedTokens } from './trained-tokens.js';

describe('microBatches', () => {
  it('cuts items into runs of at most the size, in order; 0 or a size past the end gives one run', () => {
    expect(microBatches([1, 2, 3, 4, 5, 6, 7, 8], 3)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8],
    ]);
    expect(microBatches([1, 2, 3], 0)).toEqual([[1, 2, 3]]);
    expect(microBatches([1, 2, 3], 3)).toEqual([[1, 2, 3]]);
    expect(microBatches([1, 2, 3], 9)).toEqual([[1, 2, 3]]);
  });
});

describe('accumulateGradients', () => {
  // responses of very different lengths, so the passes hold very different numbers of trained tokens
  const tok = toyTokenizer();
  const seqs: Sequence[] = toyDemos(6).map((d, i) =>
    encodeChat(tok, d.prompt, i < 2 ? d.response : `${d.response} ${d.response} ${d.response}`),
  );
  const padId = tok.padId ?? 0;

  /** The summed gradient of every weight after the passes, and the loss accumulateGradients reports. */
  function gradientOf(passes: Sequence[][], weighted: boolean) {
    const model = tinyModel(tok.vocabSize, 4);
    const prepared = passes.map((p) => {
      const batch = padRight(p, padId, model.config.contextLength);
      const trained = trainedTokens(batch);
      return { batch, trained, tokens: trained.targets.length };
    });
    const { loss } = accumulateGradients(
      prepared,
      (p) => (weighted ? p.tokens : 1),
      (p) => ({
        loss: trainedTokenNll(model, p.batch, p.trained, { reduction: 'mean' }),
        result: null,
      }),
    );
    const grad = [...model.params.values()].flatMap((w) => Array.from(w.grad ?? new Float32Array(w.size)));
    return { loss, grad };
  }

  const maxDiff = (a: number[], b: number[]) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
  const maxAbs = (a: number[]) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

  it('sums to the gradient and loss of one pass over the whole batch, each pass weighted by its tokens', () => {
    const whole = gradientOf([seqs], true);
    const split = gradientOf([seqs.slice(0, 2), seqs.slice(2, 5), seqs.slice(5)], true);
    expect(maxAbs(whole.grad)).toBeGreaterThan(0);
    expect(split.loss).toBeCloseTo(whole.loss, 5);
    expect(maxDiff(split.grad, whole.grad)).toBeLessThan(1e-5 * maxAbs(whole.grad));
    // the plain mean of the passes' losses weighs the short pass's tokens more: another gradient
    const unweighted = gradientOf([seqs.slice(0, 2), seqs.slice(2, 5), seqs.slice(5)], false);
    expect(maxDiff(unweighted.grad, whole.grad)).toBeGreaterThan(1e-2 * maxAbs(whole.grad));
  });

  it('backpropagates a single pass unscaled: the same bits as no accumulation', () => {
    const model = tinyModel(tok.vocabSize, 4);
    const batch = padRight(seqs, padId, model.config.contextLength);
    const trained = trainedTokens(batch);
    const plain = T.scope(() => {
      const l = trainedTokenNll(model, batch, trained, { reduction: 'mean' });
      T.backward(l);
      return l.item();
    });
    const plainGrad = [...model.params.values()].flatMap((w) => Array.from(w.grad!));
    const { loss, grad } = gradientOf([seqs], true);
    expect(loss).toBe(plain);
    expect(grad).toEqual(plainGrad);
  });
});
