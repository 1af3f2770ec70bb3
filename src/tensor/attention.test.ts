/** Attention forward invariants: matches the unfused formula, the KV cache, and left padding. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import * as T from './index.js';

const rng = new Rng(11);
const maxDiff = (a: T.Tensor, b: T.Tensor): number => {
  expect(a.shape).toEqual(b.shape);
  let m = 0;
  for (let i = 0; i < a.size; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
};

/** Causal GQA attention from primitive ops, (B, T, H, D) layouts. */
function unfused(q: T.Tensor, k: T.Tensor, v: T.Tensor): T.Tensor {
  const [B, Tt, Hq, D] = q.shape;
  const Hkv = k.shape[2];
  const rep = (x: T.Tensor): T.Tensor => {
    // (B, T, Hkv, D) → (B, Hq, T, D), each KV head repeated for its group of query heads
    const p = T.permute(x, [0, 2, 1, 3]); // (B, Hkv, T, D)
    const e = T.expand(T.reshape(p, [B, Hkv, 1, Tt, D]), [B, Hkv, Hq / Hkv, Tt, D]);
    return T.reshape(e, [B, Hq, Tt, D]);
  };
  const qh = T.permute(q, [0, 2, 1, 3]); // (B, Hq, T, D)
  const scores = T.scale(T.matmul(qh, rep(k), { transB: true }), 1 / Math.sqrt(D)); // (B, Hq, T, T)
  const mask = T.tensor(
    Array.from({ length: Tt * Tt }, (_, i) => (i % Tt > Math.floor(i / Tt) ? 1 : 0)),
    [Tt, Tt],
  );
  const p = T.softmax(T.maskedFill(scores, mask, Number.NEGATIVE_INFINITY));
  return T.permute(T.matmul(p, rep(v)), [0, 2, 1, 3]); // (B, T, Hq, D)
}

describe('attention', () => {
  const [B, Tt, Hq, Hkv, D] = [2, 5, 4, 2, 4];
  const q = T.randn([B, Tt, Hq, D], rng);
  const k = T.randn([B, Tt, Hkv, D], rng);
  const v = T.randn([B, Tt, Hkv, D], rng);

  it('equals softmax(q·kᵀ/√D + causal mask)·v from primitive ops (grouped KV heads)', () => {
    expect(maxDiff(T.attention(q, k, v), unfused(q, k, v))).toBeLessThan(1e-5);
  });

  it('with a KV cache, a prefill then one token at a time equals full attention', () => {
    const full = T.attention(q, k, v);
    const cache = new T.KVCache(B, 8, Hkv, D);
    const parts: T.Tensor[] = [];
    T.noGrad(() => {
      parts.push(T.attention(T.slice(q, 1, 0, 3), T.slice(k, 1, 0, 3), T.slice(v, 1, 0, 3), { cache }));
      for (let t = 3; t < Tt; t++) {
        const s = (x: T.Tensor) => T.slice(x, 1, t, t + 1);
        parts.push(T.attention(s(q), s(k), s(v), { cache }));
      }
    });
    expect(cache.length).toBe(Tt);
    expect(maxDiff(T.concat(parts, 1), full)).toBeLessThan(1e-6);
    expect(() => T.attention(q, k, v, { cache })).toThrow('exceed the cache capacity Tmax = 8');
  });

  it('left padding with keyStart changes nothing for the real tokens', () => {
    const pad = 2;
    const padded = (x: T.Tensor) => T.concat([T.randn([B, pad, x.shape[2], D], rng), x], 1);
    const out = T.attention(padded(q), padded(k), padded(v), { keyStart: new Int32Array([pad, pad]) });
    expect(maxDiff(T.slice(out, 1, pad), T.attention(q, k, v))).toBeLessThan(1e-6);
  });

  it('a row packing several sequences (a key start per query) attends to each alone', () => {
    // sequences of 3, 5 and 4 tokens side by side in one row of 14 (two pads at the end)
    const lengths = [3, 5, 4];
    const W = 14;
    const seqs = lengths.map((n) => [T.randn([1, n, Hq, D], rng), T.randn([1, n, Hkv, D], rng)]);
    const vs = lengths.map((n) => T.randn([1, n, Hkv, D], rng));
    const pads = (h: number) => T.randn([1, W - 12, h, D], rng);
    const row = (parts: T.Tensor[], h: number) => T.concat([...parts, pads(h)], 1);
    const keyStart = new Int32Array(W);
    let at = 0;
    for (const n of lengths) {
      keyStart.fill(at, at, at + n);
      at += n;
    }
    keyStart.fill(at, at, W); // the pads see only themselves
    const packed = T.attention(
      row(
        seqs.map(([sq]) => sq),
        Hq,
      ),
      row(
        seqs.map(([, sk]) => sk),
        Hkv,
      ),
      row(vs, Hkv),
      { keyStart },
    );
    at = 0;
    lengths.forEach((n, i) => {
      const alone = T.attention(seqs[i][0], seqs[i][1], vs[i]);
      expect(maxDiff(T.slice(packed, 1, at, at + n), alone)).toBeLessThan(1e-6);
      at += n;
    });
    expect(() => T.attention(q, k, v, { keyStart: new Int32Array(3) })).toThrow('needs B = 2 or B·Tq = 10');
  });

  it('a KV cache under autograd is refused', () => {
    const qg = T.randn([1, 1, 2, 4], rng, 1, { requiresGrad: true });
    const kk = T.randn([1, 1, 2, 4], rng);
    expect(() => T.attention(qg, kk, kk, { cache: new T.KVCache(1, 4, 2, 4) })).toThrow(
      'attention: a KV cache is for inference; run under noGrad',
    );
  });
});
