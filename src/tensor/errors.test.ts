/** Errors name the op, the argument and the shapes. */
import { describe, expect, it } from 'vitest';
import * as T from './index.js';

describe('error messages', () => {
  it('matmul inner dims', () => {
    expect(() => T.matmul(T.zeros([2, 3]), T.zeros([4, 5]))).toThrow(
      'matmul: a (2,3) and b (4,5): inner dims differ',
    );
    expect(() => T.matmul(T.zeros([2, 2, 3]), T.zeros([3, 3, 4]))).toThrow(
      'matmul: a (2,2,3) and b (3,3,4): batch dims do not broadcast',
    );
    expect(() => T.matmul(T.zeros([3]), T.zeros([3, 4]))).toThrow('matmul: a (3) and b (3,4)');
  });
  it('linear', () => {
    expect(() => T.linear(T.zeros([2, 3]), T.zeros([4, 5]))).toThrow(
      "linear: x (2,3) and weight (4,5): x's last dim must be in = 5",
    );
    expect(() => T.linear(T.zeros([2, 5]), T.zeros([4, 5]), T.zeros([5]))).toThrow(
      'linear: bias (5) and weight (4,5): bias must be (4)',
    );
  });
  it('broadcasting', () => {
    expect(() => T.add(T.zeros([2, 3]), T.zeros([4, 3]))).toThrow(
      'add: a (2,3) and b (4,3): shapes do not broadcast',
    );
    expect(() => T.mul(T.zeros([2]), T.zeros([3]))).toThrow('mul: a (2) and b (3)');
    expect(() => T.expand(T.zeros([2, 3]), [3, 3])).toThrow('expand: x (2,3)');
  });
  it('axes and ranges', () => {
    expect(() => T.sum(T.zeros([2, 3]), 2)).toThrow('sum: axis 2 is out of range for shape (2,3)');
    expect(() => T.slice(T.zeros([2, 3]), 1, 2, 5)).toThrow(
      'slice: x (2,3): range [2, 5) is out of bounds for axis 1',
    );
    expect(() => T.concat([T.zeros([2, 3]), T.zeros([3, 3])], 1)).toThrow(
      'concat: xs[0] (2,3) and xs[1] (3,3): dims other than axis 1 differ',
    );
    expect(() => T.permute(T.zeros([2, 3]), [0, 0])).toThrow(
      'permute: x (2,3): perm [0,0] is not a permutation',
    );
  });
  it('nn ops', () => {
    expect(() => T.embedding(T.zeros([4, 2]), new Int32Array([1, 4]))).toThrow(
      'embedding: ids[1] = 4 is out of range for table (4,2)',
    );
    expect(() => T.crossEntropy(T.zeros([2, 3]), new Int32Array([0, 3]))).toThrow(
      'crossEntropy: targets[1] = 3 is out of range for logits (2,3)',
    );
    expect(() => T.crossEntropy(T.zeros([2, 3]), new Int32Array([0]))).toThrow(
      'crossEntropy: logits (2,3) and targets (1): expected 2 targets',
    );
    expect(() => T.layerNorm(T.zeros([2, 3]), T.zeros([4]))).toThrow(
      'layerNorm: x (2,3) and weight (4): weight must be (3)',
    );
    expect(() => T.attention(T.zeros([1, 2, 3, 4]), T.zeros([1, 2, 2, 4]), T.zeros([1, 2, 2, 4]))).toThrow(
      'attention: q (1,2,3,4) and k (1,2,2,4): need the same B and D, and Hq a multiple of Hkv',
    );
    expect(() => T.rope(T.zeros([1, 2, 1, 3]), 0)).toThrow('rope: x (1,2,1,3): D must be even');
  });
  it('creation and autograd', () => {
    expect(() => T.tensor([1, 2, 3], [2, 2])).toThrow(
      'tensor: values have 3 elements but shape (2,2) needs 4',
    );
    expect(() => T.tensor([[1, 2], [3]])).toThrow('tensor: values[1] should be an array of 2');
    expect(() => T.backward(T.zeros([1]))).toThrow('backward: loss (1) does not require grad');
    const x = T.ones([2], { requiresGrad: true });
    expect(() => T.backward(T.mul(x, 2))).toThrow('backward: loss (2) is not a scalar');
    expect(() => T.ones([3]).item()).toThrow('item: tensor (3) has 3 elements, expected 1');
  });
});
