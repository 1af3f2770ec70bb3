/**
 * Gradient check of every op and loss against central finite differences in float64 (js backend;
 * see gradcheck.ts for how float64 runs through the real tensor layer).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import { type GradcheckInput, gradcheck, randomInput } from './gradcheck.js';
import * as T from './index.js';
import type { Tensor } from './tensor.js';

const rng = new Rng(7);
const inp = (shape: number[], lo = -1, hi = 1, requiresGrad = true): GradcheckInput =>
  randomInput(shape, rng, lo, hi, requiresGrad);

function check(fn: (xs: Tensor[]) => Tensor, inputs: GradcheckInput[]): void {
  const r = gradcheck(fn, inputs);
  if (!r.ok) throw new Error(`gradcheck failed: ratio ${r.worstRatio} at ${JSON.stringify(r.worst)}`);
  expect(r.ok).toBe(true);
}

describe('gradcheck: elementwise', () => {
  const shapes: [number[], number[]][] = [
    [
      [2, 3],
      [2, 3],
    ],
    [[2, 3], [3]],
    [[3], [2, 3]],
    [
      [2, 1, 4],
      [3, 1],
    ],
    [[2, 3], []],
  ];
  for (const [sa, sb] of shapes) {
    const tag = `(${sa}) ∘ (${sb})`;
    it(`add ${tag}`, () => check(([a, b]) => T.add(a, b), [inp(sa), inp(sb)]));
    it(`sub ${tag}`, () => check(([a, b]) => T.sub(a, b), [inp(sa), inp(sb)]));
    it(`mul ${tag}`, () => check(([a, b]) => T.mul(a, b), [inp(sa), inp(sb)]));
    it(`div ${tag}`, () => check(([a, b]) => T.div(a, b), [inp(sa), inp(sb, 0.5, 2)]));
    it(`maximum ${tag}`, () => check(([a, b]) => T.maximum(a, b), [inp(sa), inp(sb)]));
    it(`minimum ${tag}`, () => check(([a, b]) => T.minimum(a, b), [inp(sa), inp(sb)]));
  }
  it('one side constant (no grad)', () =>
    check(([a, b]) => T.mul(a, b), [inp([2, 3]), inp([3], -1, 1, false)]));
  it('number operands', () => check(([a]) => T.div(T.mul(T.sub(T.add(a, 0.5), 2), 3), 4), [inp([2, 3])]));
  it('addScalar, scale', () => check(([a]) => T.scale(T.addScalar(a, 0.3), -1.7), [inp([5])]));
  it('clamp', () => check(([a]) => T.clamp(a, -0.5, 0.4), [inp([20])]));
  const unary: [string, (x: Tensor) => Tensor, number, number][] = [
    ['neg', T.neg, -2, 2],
    ['exp', T.exp, -2, 2],
    ['log', T.log, 0.2, 3],
    ['tanh', T.tanh, -2, 2],
    ['sigmoid', T.sigmoid, -4, 4],
    ['gelu', T.gelu, -3, 3],
    ['silu', T.silu, -3, 3],
    ['relu', T.relu, -2, 2],
    ['sqrt', T.sqrt, 0.2, 3],
    ['rsqrt', T.rsqrt, 0.2, 3],
    ['square', T.square, -2, 2],
    ['abs', T.abs, -2, 2],
    ['pow 2.5', (x) => T.pow(x, 2.5), 0.2, 2],
    ['pow -1', (x) => T.pow(x, -1), 0.5, 2],
  ];
  for (const [name, f, lo, hi] of unary) it(name, () => check(([x]) => f(x), [inp([3, 4], lo, hi)]));
  it('a value used twice accumulates', () => check(([a]) => T.mul(T.exp(a), T.tanh(a)), [inp([6])]));
});

describe('gradcheck: reductions', () => {
  for (const axis of [0, 1, -1, null]) {
    for (const keepdim of [false, true]) {
      it(`sum axis ${axis} keepdim ${keepdim}`, () =>
        check(([x]) => T.sum(x, axis, keepdim), [inp([2, 3, 4])]));
      it(`mean axis ${axis} keepdim ${keepdim}`, () =>
        check(([x]) => T.mean(x, axis, keepdim), [inp([2, 3, 4])]));
      it(`max axis ${axis} keepdim ${keepdim}`, () =>
        check(([x]) => T.max(x, axis, keepdim), [inp([2, 3, 4])]));
    }
  }
});

describe('gradcheck: layout', () => {
  it('reshape, unsqueeze, squeeze', () =>
    check(
      ([x]) => T.mul(T.squeeze(T.unsqueeze(T.reshape(x, [3, -1]), 0), 0), T.reshape(x, [3, 4])),
      [inp([2, 6])],
    ));
  it('expand', () => check(([x]) => T.mul(T.expand(x, [2, 3, 4]), T.expand(x, [2, 3, 4])), [inp([3, 1])]));
  it('permute', () => check(([x]) => T.permute(x, [2, 0, 1]), [inp([2, 3, 4])]));
  it('transpose', () => check(([x]) => T.transpose(x, 0, 2), [inp([2, 3, 4])]));
  it('slice', () => check(([x]) => T.slice(x, 1, 1, 3), [inp([2, 4, 3])]));
  it('slice, negative indices', () => check(([x]) => T.slice(x, -1, -2), [inp([2, 4, 3])]));
  it('concat', () => check(([a, b]) => T.concat([a, b, a], 1), [inp([2, 1, 3]), inp([2, 2, 3])]));
});

describe('gradcheck: matmul', () => {
  const cases: [string, number[], number[], T.MatmulOptions][] = [
    ['2d', [3, 4], [4, 5], {}],
    ['2d transA', [4, 3], [4, 5], { transA: true }],
    ['2d transB', [3, 4], [5, 4], { transB: true }],
    ['2d transA transB', [4, 3], [5, 4], { transA: true, transB: true }],
    ['batch × matrix (folded)', [2, 3, 4], [4, 5], {}],
    ['batch × matrixᵀ (folded, Linear)', [2, 3, 4], [5, 4], { transB: true }],
    ['batched', [2, 3, 4], [2, 4, 5], {}],
    ['batched transA transB', [2, 4, 3], [2, 5, 4], { transA: true, transB: true }],
    ['batchᵀ × matrix', [2, 4, 3], [4, 5], { transA: true }],
    ['matrix × batch', [3, 4], [2, 4, 5], {}],
    ['matrix × batchᵀ', [3, 4], [2, 5, 4], { transB: true }],
    ['broadcast both', [2, 1, 3, 4], [3, 4, 2], {}],
    ['broadcast both, transposed', [2, 1, 4, 3], [3, 2, 4], { transA: true, transB: true }],
  ];
  for (const [name, sa, sb, o] of cases)
    it(name, () => check(([a, b]) => T.matmul(a, b, o), [inp(sa), inp(sb)]));
  it('linear with bias', () =>
    check(([x, w, b]) => T.linear(x, w, b), [inp([2, 3, 4]), inp([5, 4]), inp([5])]));
  it('lowRankLinear: every input, bias included', () =>
    check(
      ([x, w, b, a, bb]) => T.lowRankLinear(x, w, b, a, bb, 1.5),
      [inp([2, 3, 4]), inp([5, 4]), inp([5]), inp([2, 4]), inp([5, 2])],
    ));
  it('lowRankLinear: the update reading another input (LoRA dropout: x under a mask)', () =>
    check(
      ([x, w, a, b]) => T.lowRankLinear(x, w, null, a, b, 1.5, T.dropout(x, 0.4, new Rng(5), true)),
      [inp([3, 4]), inp([5, 4], -1, 1, false), inp([2, 4]), inp([5, 2])],
    ));
  it('lowRankLinear: only A and B train (input and weight frozen, as in LoRA’s first layer)', () =>
    check(
      ([x, w, a, b]) => T.lowRankLinear(x, w, null, a, b, 0.5),
      [inp([3, 4], -1, 1, false), inp([5, 4], -1, 1, false), inp([3, 4]), inp([5, 3])],
    ));
});

describe('gradcheck: nn ops and losses', () => {
  it('embedding (repeated ids)', () =>
    check(([t]) => T.embedding(t, new Int32Array([1, 3, 1, 0, 3, 3]), [2, 3]), [inp([4, 5])]));
  it('softmax', () => check(([x]) => T.softmax(x), [inp([3, 5], -3, 3)]));
  it('logSoftmax', () => check(([x]) => T.logSoftmax(x), [inp([3, 5], -3, 3)]));
  it('layerNorm', () => check(([x, w, b]) => T.layerNorm(x, w, b), [inp([3, 6], -2, 2), inp([6]), inp([6])]));
  it('layerNorm without bias', () => check(([x, w]) => T.layerNorm(x, w, null), [inp([2, 2, 5]), inp([5])]));
  it('rmsNorm', () => check(([x, w]) => T.rmsNorm(x, w), [inp([3, 6], -2, 2), inp([6])]));
  const targets = new Int32Array([2, -100, 0, 4, 1, 4]);
  it('crossEntropy mean with ignore', () =>
    check(([x]) => T.crossEntropy(x, targets), [inp([2, 3, 5], -3, 3)]));
  it('crossEntropy sum', () =>
    check(([x]) => T.crossEntropy(x, targets, { reduction: 'sum' }), [inp([6, 5], -3, 3)]));
  it('crossEntropy none', () =>
    check(([x]) => T.crossEntropy(x, targets, { reduction: 'none' }), [inp([2, 3, 5], -3, 3)]));
  it('crossEntropy, custom ignore index', () =>
    check(([x]) => T.crossEntropy(x, new Int32Array([1, 3, 3]), { ignoreIndex: 3 }), [inp([3, 4], -3, 3)]));
  it('attention (MHA)', () =>
    check(([q, k, v]) => T.attention(q, k, v), [inp([2, 4, 2, 3]), inp([2, 4, 2, 3]), inp([2, 4, 2, 3])]));
  it('attention (grouped KV heads, left padding)', () =>
    check(
      ([q, k, v]) => T.attention(q, k, v, { keyStart: new Int32Array([0, 2]) }),
      [inp([2, 4, 4, 3]), inp([2, 4, 2, 3]), inp([2, 4, 2, 3])],
    ));
  it('attention (packed sequences: a key start per query)', () =>
    check(
      ([q, k, v]) => T.attention(q, k, v, { keyStart: new Int32Array([0, 0, 2, 2, 2, 0, 1, 1, 1, 4]) }),
      [inp([2, 5, 2, 3]), inp([2, 5, 1, 3]), inp([2, 5, 1, 3])],
    ));
  it('attention (Tq < Tk, custom scale)', () =>
    check(
      ([q, k, v]) => T.attention(q, k, v, { scale: 0.7 }),
      [inp([1, 2, 2, 4]), inp([1, 5, 1, 4]), inp([1, 5, 1, 4])],
    ));
  it('rope', () => check(([x]) => T.rope(x, 3), [inp([2, 3, 2, 4])]));
  it('rope with explicit positions', () =>
    check(([x]) => T.rope(x, new Int32Array([0, 5, 9, 1]), 100), [inp([2, 2, 1, 6])]));
  it('dropout (mask from a seeded rng)', () =>
    check(([x]) => T.dropout(x, 0.3, new Rng(3), true), [inp([4, 5])]));
  it('where (broadcast condition)', () => {
    const cond = { shape: [3], values: [1, 0, 1], requiresGrad: false };
    check(([c, a, b]) => T.where(c, a, b), [cond, inp([2, 3]), inp([2, 1])]);
  });
  it('maskedFill', () => {
    const mask = { shape: [2, 3], values: [0, 1, 0, 1, 1, 0], requiresGrad: false };
    check(([x, m]) => T.maskedFill(x, m, -5), [inp([2, 3]), mask]);
  });
  it('a small transformer block (composite of the ops above)', () => {
    const [B, Tt, C, H] = [2, 3, 4, 2];
    check(
      ([x, w1, wqkv, wo, w2]) => {
        const h = T.layerNorm(x, w1); // (B, T, C)
        const qkv = T.linear(h, wqkv); // (B, T, 3C)
        const q = T.reshape(T.slice(qkv, 2, 0, C), [B, Tt, H, C / H]);
        const k = T.reshape(T.slice(qkv, 2, C, 2 * C), [B, Tt, H, C / H]);
        const v = T.reshape(T.slice(qkv, 2, 2 * C), [B, Tt, H, C / H]);
        const a = T.attention(T.rope(q, 0), T.rope(k, 0), v);
        const x2 = T.add(x, T.linear(T.reshape(a, [B, Tt, C]), wo));
        const logits = T.linear(T.gelu(T.rmsNorm(x2, w2)), wo);
        return T.crossEntropy(logits, new Int32Array([0, 1, 2, 3, 0, 1]));
      },
      [inp([B, Tt, C]), inp([C]), inp([3 * C, C]), inp([C, C]), inp([C])],
    );
  });
});

describe('gradcheck itself', () => {
  it('catches a wrong gradient', () => {
    // a deliberately broken composite: detach hides one path from autograd but not from the function
    const r = gradcheck(
      ([x]) => {
        const y = T.exp(x);
        const bad = T.detach(y); // cuts the graph: the analytic gradient misses this path
        return T.mul(y, bad);
      },
      [inp([4])],
    );
    expect(r.ok).toBe(false);
  });
});

describe('gradcheck: linear', () => {
  it('rank-1 input, no bias', () => check(([x, w]) => T.linear(x, w), [inp([4]), inp([3, 4])]));
  it('rank-3 input, bias, weight as a constant', () =>
    check(([x, w, b]) => T.linear(x, w, b), [inp([2, 2, 4]), inp([3, 4], -1, 1, false), inp([3])]));
});
