import { expect, it } from 'vitest';
import { BINARY_OPS, UNARY_OPS, type UnaryOp } from '../backend.js';
import { agree, copy, nans, TestRng } from './test-helpers/compare.js';
import { backends, describeNative, js, nat } from './test-helpers/native.js';

/** Inputs inside each op's domain (log, sqrt, rsqrt and fractional powers need x > 0). */
function inputFor(rng: TestRng, op: UnaryOp, n: number): Float32Array {
  if (op === 'log' || op === 'sqrt' || op === 'rsqrt' || op === 'pow') return rng.f32(n, 0.05, 3);
  if (op === 'exp') return rng.f32(n, -20, 20);
  return rng.f32(n, -6, 6);
}

const SIZES = [1, 7, 1000, 100_003]; // the last one is split across threads

describeNative('native elementwise kernels agree with js', () => {
  const rng = new TestRng(2);

  for (const op of UNARY_OPS) {
    const params = op === 'pow' ? [2, 3, 0.5, -1.5] : op === 'scale' ? [-0.75] : [0];
    it(`unary ${op}: forward and backward`, () => {
      for (const n of SIZES) {
        for (const param of params) {
          const x = inputFor(rng, op, n);
          agree(
            `unary ${op}(${param}) n=${n}`,
            [nans(n)],
            (w, [out]) => backends[w].unary(op, x, out, n, param),
            {
              rtol: 2e-6 * 50,
              atol: 1e-6,
            },
          );
          const y = nans(n);
          js.unary(op, x, y, n, param);
          const dy = rng.f32(n);
          agree(
            `unaryBackward ${op}(${param}) n=${n}`,
            [rng.f32(n)],
            (w, [dx]) => backends[w].unaryBackward(op, x, y, dy, dx, n, param),
            { rtol: 1e-4, atol: 1e-5 },
          );
        }
      }
    });
  }

  it('unary edge values: exp of ±inf and NaN, relu of NaN, gelu far out', () => {
    const x = new Float32Array([
      Number.NEGATIVE_INFINITY,
      Number.POSITIVE_INFINITY,
      Number.NaN,
      -100,
      100,
      88.5,
      -87.5,
    ]);
    for (const op of ['exp', 'relu', 'gelu', 'sigmoid', 'silu'] as const) {
      agree(`unary ${op} edges`, [nans(x.length)], (w, [out]) => backends[w].unary(op, x, out, x.length, 0), {
        rtol: 1e-5,
        atol: 1e-30,
      });
    }
  });

  /** [shape, aShape, bShape]: operands broadcast to shape (size-1 dims stretched). */
  const broadcastCases: [number[], number[], number[]][] = [
    [[], [], []],
    [[5], [5], [1]],
    [[2, 3, 4], [2, 3, 4], [4]],
    [
      [5, 1, 7],
      [5, 1, 7],
      [1, 6, 1],
    ],
    [
      [4, 6],
      [4, 1],
      [1, 6],
    ],
    [
      [3, 1, 2, 5],
      [1, 1, 2, 5],
      [3, 1, 1, 1],
    ],
    [[64, 128, 96], [64, 128, 96], [96]],
    [[100_003], [100_003], [100_003]], // one long row: split into column chunks
    [
      [3, 40_000],
      [3, 40_000],
      [1, 1],
    ],
  ];

  /** Contiguous strides of `s` viewed in the rank of `shape`, 0 where it broadcasts. */
  function stridesFor(shape: number[], s: number[]): Int32Array {
    const rank = shape.length;
    const padded = Array(rank - s.length)
      .fill(1)
      .concat(s);
    const out = new Int32Array(rank);
    let acc = 1;
    for (let d = rank - 1; d >= 0; d--) {
      out[d] = padded[d] === 1 && shape[d] !== 1 ? 0 : acc;
      acc *= padded[d];
    }
    return out;
  }

  function outShape(shape: number[], s: number[]): number[] {
    const rank = shape.length;
    const padded = Array(rank - s.length)
      .fill(1)
      .concat(s);
    return padded.map((v, d) => (v === 1 && shape[d] !== 1 ? 1 : shape[d]));
  }

  const size = (s: number[]) => s.reduce((p, v) => p * v, 1);

  for (const op of BINARY_OPS) {
    it(`binary ${op} with broadcasting`, () => {
      for (const [shape, aS, bS] of broadcastCases) {
        const fullShape = [...shape];
        const [as, bs] = [
          stridesFor(fullShape, outShape(fullShape, aS)),
          stridesFor(fullShape, outShape(fullShape, bS)),
        ];
        const a = rng.f32(size(aS), -2, 2);
        const b = rng.f32(size(bS), 0.5, 2); // away from 0 for div
        agree(`binary ${op} ${JSON.stringify(shape)}`, [nans(size(shape))], (w, [out]) =>
          backends[w].binary(op, a, as, b, bs, out, new Int32Array(shape)),
        );
      }
    });
  }

  it('random broadcasts (rank 1…5, sizes 1…7, each dim broadcast or not) for binary and sumToStrides', () => {
    for (let trial = 0; trial < 80; trial++) {
      const rank = rng.int(1, 6);
      const shape = Array.from({ length: rank }, () => rng.int(1, 8));
      const aS = shape.map((d) => (rng.next() < 0.3 ? 1 : d)).slice(rng.int(0, rank));
      const bS = shape.map((d) => (rng.next() < 0.3 ? 1 : d)).slice(rng.int(0, rank));
      const as = stridesFor(shape, outShape(shape, aS));
      const bs = stridesFor(shape, outShape(shape, bS));
      const a = rng.f32(size(aS));
      const b = rng.f32(size(bS), 0.5, 2);
      const op = BINARY_OPS[trial % BINARY_OPS.length];
      agree(`random binary ${op} ${JSON.stringify([shape, aS, bS])}`, [nans(size(shape))], (w, [out]) =>
        backends[w].binary(op, a, as, b, bs, out, new Int32Array(shape)),
      );
      const x = rng.f32(size(shape));
      agree(`random sumToStrides ${JSON.stringify([shape, aS])}`, [rng.f32(size(aS))], (w, [out]) =>
        backends[w].sumToStrides(x, new Int32Array(shape), out, as),
      );
    }
  });

  it('binary in place: out aliases a (dx = dx + broadcast(dy))', () => {
    const shape = new Int32Array([33, 17]);
    const a = rng.f32(33 * 17);
    const b = rng.f32(17);
    const aj = copy(a);
    const an = copy(a);
    js.binary('add', aj, new Int32Array([17, 1]), b, new Int32Array([0, 1]), aj, shape);
    nat.binary('add', an, new Int32Array([17, 1]), b, new Int32Array([0, 1]), an, shape);
    expect(Array.from(an)).toEqual(Array.from(aj));
  });

  it('sumToStrides: the adjoint of each broadcast', () => {
    for (const [shape, aS] of broadcastCases) {
      const os = stridesFor(shape, outShape(shape, aS));
      const x = rng.f32(size(shape));
      agree(
        `sumToStrides ${JSON.stringify(shape)} -> ${JSON.stringify(aS)}`,
        [rng.f32(size(aS))],
        (w, [out]) => backends[w].sumToStrides(x, new Int32Array(shape), out, os),
      );
    }
    // bias gradient of a training step: (B·T, C) summed to (C), big enough for threads
    const x = rng.f32(1024 * 768);
    agree('sumToStrides (1024, 768) -> (768)', [new Float32Array(768)], (w, [out]) =>
      backends[w].sumToStrides(x, new Int32Array([1024, 768]), out, new Int32Array([0, 1])),
    );
    agree('sumToStrides (1024, 768) -> (1024, 1)', [new Float32Array(1024)], (w, [out]) =>
      backends[w].sumToStrides(x, new Int32Array([1024, 768]), out, new Int32Array([1, 0])),
    );
  });

  it('where', () => {
    for (const n of [1, 9, 70_001]) {
      const mask = new Float32Array(n).map(() => (rng.next() < 0.5 ? 0 : 1));
      const a = rng.f32(n);
      const b = rng.f32(n);
      agree(`where n=${n}`, [nans(n)], (w, [out]) => backends[w].where(mask, a, b, out, n));
    }
  });

  it('dropout: the same mask bit for bit, dropping about p of the elements', () => {
    for (const n of [1, 9, 300_007]) {
      for (const [key, p] of [
        [0, 0.1],
        [4294967295, 0.5],
        [123456789, 0.9],
      ]) {
        const x = rng.f32(n);
        const keep = 1 / (1 - p);
        const outs = { js: [nans(n), nans(n)], native: [nans(n), nans(n)] };
        for (const w of ['js', 'native'] as const)
          backends[w].dropout(x, n, key, p * 4294967296, keep, outs[w][0], outs[w][1]);
        expect(Buffer.from(outs.native[0].buffer).equals(Buffer.from(outs.js[0].buffer))).toBe(true);
        expect(Buffer.from(outs.native[1].buffer).equals(Buffer.from(outs.js[1].buffer))).toBe(true);
        if (n > 1000) {
          const dropped = outs.js[0].filter((m) => m === 0).length / n;
          expect(Math.abs(dropped - p)).toBeLessThan(0.01);
          expect(outs.js[0].every((m) => m === 0 || m === Math.fround(keep))).toBe(true);
          expect(outs.js[1].every((o, i) => o === Math.fround(x[i] * outs.js[0][i]))).toBe(true);
        }
      }
    }
  });
});
