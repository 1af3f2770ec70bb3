import { expect, it } from 'vitest';
import { agree, nans, TestRng } from './test-helpers/compare.js';
import { backends, describeNative, js, nat } from './test-helpers/native.js';

describeNative('native softmax family and cross-entropy agree with js', () => {
  const rng = new TestRng(4);
  const shapes = [
    [1, 1],
    [3, 7],
    [17, 130],
    [256, 512], // split across threads
  ];

  it('softmax and logSoftmax, forward and backward', () => {
    for (const [rows, n] of shapes) {
      const x = rng.f32(rows * n, -8, 8);
      agree(`softmax ${rows}x${n}`, [nans(rows * n)], (w, [out]) => backends[w].softmax(x, rows, n, out));
      agree(`logSoftmax ${rows}x${n}`, [nans(rows * n)], (w, [out]) =>
        backends[w].logSoftmax(x, rows, n, out),
      );
      const y = new Float32Array(rows * n);
      const ly = new Float32Array(rows * n);
      js.softmax(x, rows, n, y);
      js.logSoftmax(x, rows, n, ly);
      const dy = rng.f32(rows * n);
      agree(`softmaxBackward ${rows}x${n}`, [rng.f32(rows * n)], (w, [dx]) =>
        backends[w].softmaxBackward(y, dy, rows, n, dx),
      );
      agree(`logSoftmaxBackward ${rows}x${n}`, [rng.f32(rows * n)], (w, [dx]) =>
        backends[w].logSoftmaxBackward(ly, dy, rows, n, dx),
      );
    }
  });

  it('softmax with −inf entries (masked scores) and large logits', () => {
    const x = new Float32Array([0, Number.NEGATIVE_INFINITY, 1, 1000, 999, Number.NEGATIVE_INFINITY]);
    agree('softmax masked', [nans(6)], (w, [out]) => backends[w].softmax(x, 2, 3, out));
    agree('logSoftmax masked', [nans(6)], (w, [out]) => backends[w].logSoftmax(x, 2, 3, out));
  });

  it('crossEntropy forward and backward, with ignored rows', () => {
    for (const [rows, vocab] of shapes) {
      const logits = rng.f32(rows * vocab, -5, 5);
      const targets = rng.i32(rows, 0, vocab);
      if (rows > 2) targets[1] = -100;
      agree(`crossEntropy ${rows}x${vocab}`, [nans(rows)], (w, [losses]) =>
        backends[w].crossEntropy(logits, targets, rows, vocab, -100, losses),
      );
      const dLoss = rng.f32(rows, 0.1, 1);
      agree(`crossEntropyBackward ${rows}x${vocab}`, [rng.f32(rows * vocab)], (w, [dLogits]) =>
        backends[w].crossEntropyBackward(logits, targets, dLoss, rows, vocab, -100, dLogits),
      );
    }
  });

  it('crossEntropy: a target outside the vocabulary is an error', () => {
    expect(() =>
      nat.crossEntropy(new Float32Array(6), new Int32Array([0, 3]), 2, 3, -100, new Float32Array(2)),
    ).toThrow(/native crossEntropy: argument 'targets'\[1\] = 3 is outside the vocabulary of 3/);
  });
});
