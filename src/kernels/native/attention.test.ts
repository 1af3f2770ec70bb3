import { expect, it } from 'vitest';
import { nativeInfo, setNativeThreads } from './index.js';
import { agree, nans, TestRng } from './test-helpers/compare.js';
import { backends, describeNative, js, nat } from './test-helpers/native.js';

describeNative('native rope and attention agree with js', () => {
  const rng = new TestRng(7);

  it('rope forward and inverse, offset positions, in place', () => {
    for (const [B, T, H, D] of [
      [1, 1, 1, 2],
      [2, 5, 3, 8],
      [8, 128, 4, 64],
    ]) {
      const n = B * T * H * D;
      const x = rng.f32(n);
      const positions = new Int32Array(B * T);
      for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) positions[b * T + t] = 3 * b + t; // shifted rows
      for (const inverse of [false, true]) {
        agree(`rope ${B}x${T}x${H}x${D} inverse=${inverse}`, [nans(n)], (w, [out]) =>
          backends[w].rope(x, B, T, H, D, positions, 10000, inverse, out),
        );
        agree(`rope in place ${B}x${T}x${H}x${D} inverse=${inverse}`, [x], (w, [xo]) =>
          backends[w].rope(xo, B, T, H, D, positions, 500, inverse, xo),
        );
      }
    }
    // positions far beyond any table, and negative ones (left padding)
    const x = rng.f32(3 * 4);
    agree('rope unusual positions', [nans(12)], (w, [out]) =>
      backends[w].rope(x, 1, 3, 1, 4, new Int32Array([-2, 70000, 5]), 10000, false, out),
    );
  });

  it("rope with Llama 3's frequency scaling, tabled and untabled positions, after an unscaled call", () => {
    // Llama 3.2's settings over a 64-wide head: every band of the rule occurs
    const scaling = { factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 8192 };
    const [B, T, H, D] = [2, 40, 2, 64];
    const x = rng.f32(B * T * H * D);
    const positions = Int32Array.from({ length: B * T }, (_, i) => (i < T ? i * 300 : 70000 + i));
    for (const inverse of [false, true]) {
      agree(`scaled rope inverse=${inverse}`, [nans(x.length)], (w, [out]) => {
        backends[w].rope(x, B, T, H, D, positions, 500000, inverse, out); // fills the table unscaled
        backends[w].rope(x, B, T, H, D, positions, 500000, inverse, out, scaling);
      });
    }
    const plain = nans(x.length);
    const scaled = nans(x.length);
    nat.rope(x, B, T, H, D, positions, 500000, false, plain);
    nat.rope(x, B, T, H, D, positions, 500000, false, scaled, scaling);
    expect(plain).not.toEqual(scaled);
  });

  /** Per-query first keys of B rows, each packing sequences of the given lengths side by side. */
  function packedStarts(B: number, lengths: number[]): number[] {
    const row = lengths.flatMap((n, i) => {
      const at = lengths.slice(0, i).reduce((a, x) => a + x, 0);
      return new Array<number>(n).fill(at);
    });
    return Array.from({ length: B }, () => row).flat();
  }

  interface Case {
    B: number;
    Tq: number;
    Tk: number;
    Hq: number;
    Hkv: number;
    D: number;
    qStart: number;
    cache: number; // extra KV positions allocated per batch row beyond Tk (a KV cache)
    keyStart: number[] | null;
  }

  const cases: Case[] = [
    { B: 1, Tq: 1, Tk: 1, Hq: 1, Hkv: 1, D: 1, qStart: 0, cache: 0, keyStart: null },
    { B: 2, Tq: 7, Tk: 7, Hq: 4, Hkv: 2, D: 5, qStart: 0, cache: 0, keyStart: null },
    // training-sized heads: the sgemm path
    { B: 2, Tq: 48, Tk: 48, Hq: 4, Hkv: 4, D: 32, qStart: 0, cache: 0, keyStart: null },
    { B: 2, Tq: 40, Tk: 40, Hq: 8, Hkv: 2, D: 16, qStart: 0, cache: 0, keyStart: [0, 9] },
    // decoding: one query against a KV cache, left-padded rows, GQA
    { B: 3, Tq: 1, Tk: 12, Hq: 8, Hkv: 4, D: 8, qStart: 11, cache: 20, keyStart: [0, 4, 11] },
    // a prompt chunk appended to a cache, some queries with no visible key at all
    { B: 2, Tq: 16, Tk: 24, Hq: 4, Hkv: 1, D: 16, qStart: 8, cache: 8, keyStart: [2, 20] },
    { B: 2, Tq: 20, Tk: 30, Hq: 2, Hkv: 2, D: 64, qStart: 10, cache: 5, keyStart: [0, 25] },
    // long enough for causal row blocks, with a cache offset and a left-padded row
    { B: 2, Tq: 70, Tk: 80, Hq: 4, Hkv: 2, D: 16, qStart: 10, cache: 3, keyStart: [0, 40] },
    { B: 1, Tq: 100, Tk: 100, Hq: 2, Hkv: 1, D: 24, qStart: 0, cache: 0, keyStart: [70] },
    // packed rows: a first key per query (sequences side by side), on the loop and sgemm paths
    { B: 2, Tq: 6, Tk: 6, Hq: 2, Hkv: 1, D: 4, qStart: 0, cache: 0, keyStart: packedStarts(2, [2, 3, 1]) },
    {
      B: 2,
      Tq: 40,
      Tk: 40,
      Hq: 4,
      Hkv: 2,
      D: 16,
      qStart: 0,
      cache: 0,
      keyStart: packedStarts(2, [9, 20, 11]),
    },
    {
      B: 1,
      Tq: 80,
      Tk: 80,
      Hq: 2,
      Hkv: 2,
      D: 32,
      qStart: 0,
      cache: 0,
      keyStart: packedStarts(1, [30, 3, 40, 7]),
    },
  ];

  for (const c of cases) {
    const label = JSON.stringify(c);
    it(`attention forward and backward ${label}`, () => {
      const { B, Tq, Tk, Hq, Hkv, D, qStart, cache } = c;
      const kvStride = (Tk + cache) * Hkv * D;
      const q = rng.f32(B * Tq * Hq * D, -2, 2);
      const k = rng.f32(B * kvStride, -2, 2);
      const v = rng.f32(B * kvStride);
      const keyStart = c.keyStart === null ? null : new Int32Array(c.keyStart);
      const scale = 1 / Math.sqrt(D);
      agree(`attention ${label}`, [nans(B * Tq * Hq * D), nans(B * Hq * Tq * Tk)], (w, [out, probs]) =>
        backends[w].attention(q, k, v, B, Tq, Tk, Hq, Hkv, D, kvStride, qStart, keyStart, scale, out, probs),
      );
      agree(`attention without probs ${label}`, [nans(B * Tq * Hq * D)], (w, [out]) =>
        backends[w].attention(q, k, v, B, Tq, Tk, Hq, Hkv, D, kvStride, qStart, keyStart, scale, out, null),
      );
      // backward: contiguous k, v (no cache), probs from the js forward
      const kc = rng.f32(B * Tk * Hkv * D, -2, 2);
      const vc = rng.f32(B * Tk * Hkv * D);
      const probs = new Float32Array(B * Hq * Tq * Tk);
      js.attention(
        q,
        kc,
        vc,
        B,
        Tq,
        Tk,
        Hq,
        Hkv,
        D,
        Tk * Hkv * D,
        qStart,
        keyStart,
        scale,
        nans(q.length),
        probs,
      );
      const dOut = rng.f32(q.length);
      agree(
        `attentionBackward ${label}`,
        [rng.f32(q.length), rng.f32(kc.length), rng.f32(vc.length)],
        (w, [dq, dk, dv]) =>
          backends[w].attentionBackward(q, kc, vc, probs, dOut, B, Tq, Tk, Hq, Hkv, D, scale, dq, dk, dv),
        { rtol: 1e-4, atol: 2e-5 },
      );
    });
  }

  it('random shapes: heads, GQA groups, head sizes, cache offsets, left padding', () => {
    for (let trial = 0; trial < 30; trial++) {
      const Hkv = rng.int(1, 4);
      const Hq = Hkv * rng.int(1, 4);
      const D = [1, 2, 3, 8, 16, 24, 32][rng.int(0, 7)];
      const B = rng.int(1, 4);
      const Tq = [1, 1, 2, 5, 9, 33, 70][rng.int(0, 7)];
      const qStart = rng.int(0, 12);
      const Tk = qStart + Tq + rng.int(0, 4) - (rng.next() < 0.2 ? rng.int(0, Tq) : 0);
      if (Tk < 1) continue;
      const kvStride = (Tk + rng.int(0, 5)) * Hkv * D;
      const keyStart = rng.next() < 0.5 ? null : rng.i32(B, 0, Tk + 2);
      const q = rng.f32(B * Tq * Hq * D, -2, 2);
      const k = rng.f32(B * kvStride, -2, 2);
      const v = rng.f32(B * kvStride);
      const label = `random attention #${trial} ${JSON.stringify({ B, Tq, Tk, Hq, Hkv, D, qStart, keyStart })}`;
      agree(label, [nans(q.length), nans(B * Hq * Tq * Tk)], (w, [out, probs]) =>
        backends[w].attention(q, k, v, B, Tq, Tk, Hq, Hkv, D, kvStride, qStart, keyStart, 0.4, out, probs),
      );
    }
  });

  it('training-sized heads (T 128, D 64): causal blocks, split across threads', () => {
    const [B, T, H, D] = [2, 128, 2, 64];
    const q = rng.f32(B * T * H * D);
    const k = rng.f32(B * T * H * D);
    const v = rng.f32(B * T * H * D);
    const probs = new Float32Array(B * H * T * T);
    agree('attention 2x128x2x64', [nans(q.length), nans(probs.length)], (w, [out, p]) =>
      backends[w].attention(q, k, v, B, T, T, H, H, D, T * H * D, 0, null, 0.125, out, p),
    );
    js.attention(q, k, v, B, T, T, H, H, D, T * H * D, 0, null, 0.125, nans(q.length), probs);
    const dOut = rng.f32(q.length);
    agree(
      'attentionBackward 2x128x2x64',
      [new Float32Array(q.length), new Float32Array(k.length), new Float32Array(v.length)],
      (w, [dq, dk, dv]) =>
        backends[w].attentionBackward(q, k, v, probs, dOut, B, T, T, H, H, D, 0.125, dq, dk, dv),
      { rtol: 1e-4, atol: 2e-5 },
    );
  });

  // Each head (forward) or KV head (backward) is computed whole by one thread, so the result cannot
  // depend on how many threads share the heads; that is what lets the pthreads OpenBLAS build run
  // these loops on the calling thread alone without changing a bit.
  it('gives the same bits on one thread as on several (sgemm path, forward and backward)', () => {
    const [B, T, Hq, Hkv, D] = [2, 96, 4, 2, 32];
    const q = rng.f32(B * T * Hq * D);
    const k = rng.f32(B * T * Hkv * D);
    const v = rng.f32(B * T * Hkv * D);
    const dOut = rng.f32(q.length);
    const run = (threads: number): Float32Array[] => {
      const before = nativeInfo().threads;
      setNativeThreads(threads);
      try {
        const out = new Float32Array(q.length);
        const probs = new Float32Array(B * Hq * T * T);
        nat.attention(q, k, v, B, T, T, Hq, Hkv, D, T * Hkv * D, 0, new Int32Array([0, 5]), 0.2, out, probs);
        const [dq, dk, dv] = [q.length, k.length, v.length].map((n) => new Float32Array(n));
        nat.attentionBackward(q, k, v, probs, dOut, B, T, T, Hq, Hkv, D, 0.2, dq, dk, dv);
        return [out, probs, dq, dk, dv];
      } finally {
        setNativeThreads(before);
      }
    };
    const one = run(1);
    const several = run(4);
    const bits = (x: Float32Array): Uint32Array => new Uint32Array(x.buffer);
    for (let i = 0; i < one.length; i++) expect(bits(several[i])).toEqual(bits(one[i]));
  });
});
