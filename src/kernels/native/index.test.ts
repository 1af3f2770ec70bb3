import { expect, it } from 'vitest';
import type { RopeScaling } from '../rope-frequencies.js';
import {
  loadNative,
  NATIVE_ADDON_PATH,
  nativeInfo,
  REIN_GOMP_SPINCOUNT,
  setNativeThreads,
  spinCountFor,
  spinCountSetByRein,
} from './index.js';
import { describeNative, nat } from './test-helpers/native.js';

it('loadNative returns the backend or a reason, never throws', () => {
  const r = loadNative();
  if (r.ok) expect(r.backend.name).toBe('native');
  else expect(r.reason).toMatch(/addon/);
  expect(loadNative()).toBe(r); // loaded once
});

// CI installs OpenBLAS and runs `npm ci`, which builds the addon: there, a js fallback would hide a
// broken build, so the addon must load.
it.runIf(process.env.CI === 'true')('the addon is built and loads in CI', () => {
  const r = loadNative();
  expect(r.ok ? 'loaded' : r.reason, NATIVE_ADDON_PATH).toBe('loaded');
});

describeNative('native addon: checks, info, threads', () => {
  it('a wrong array type is a TypeError naming the kernel and the argument', () => {
    const x = new Float64Array(4) as unknown as Float32Array;
    expect(() => nat.unary('exp', x, new Float32Array(4), 4, 0)).toThrow(
      /native unary: argument 'x' must be a Float32Array, got Float64Array/,
    );
    expect(() =>
      nat.gather(new Float32Array(4), [0, 1] as unknown as Int32Array, 2, new Float32Array(4)),
    ).toThrow(/native gather: argument 'ids' must be a Int32Array/);
    expect(() => nat.unary('nope' as 'exp', new Float32Array(1), new Float32Array(1), 1, 0)).toThrow(
      /native unary: unknown op 'nope'/,
    );
  });

  it('a too-short array is a RangeError with the needed and actual lengths', () => {
    const a = new Float32Array(6);
    const b = new Float32Array(6);
    const c = new Float32Array(9);
    expect(() => nat.gemm(false, false, 3, 3, 2, 1, a, 0, b, 0, 0, c, 0, 1)).not.toThrow();
    expect(() => nat.gemm(false, false, 3, 3, 3, 1, a, 0, b, 0, 0, c, 0, 1)).toThrow(
      /native gemm: argument 'a' needs at least 9 elements, got 6/,
    );
    expect(() => nat.gemm(false, false, 3, 3, 2, 1, a, 0, b, 0, 0, c, 9, 2)).toThrow(
      /native gemm: argument 'c' needs at least 18 elements, got 9/,
    );
    expect(() =>
      nat.attention(a, a, a, 1, 2, 2, 2, 1, 2, 4, 0, null, 1, new Float32Array(8), new Float32Array(3)),
    ).toThrow(/native attention: argument 'q' needs at least 8 elements, got 6/);
  });

  it('bad sizes and head counts are errors', () => {
    const x = new Float32Array(8);
    expect(() => nat.softmax(x, -1, 2, x)).toThrow(
      /native softmax: argument 'rows' must be a non-negative integer/,
    );
    expect(() => nat.rope(x, 1, 1, 1, 3, new Int32Array(1), 1e4, false, x)).toThrow(/'D' must be even/);
    const halfScaling = { factor: 8, lowFreqFactor: 1 } as unknown as RopeScaling;
    expect(() => nat.rope(x, 1, 1, 1, 2, new Int32Array(1), 1e4, false, x, halfScaling)).toThrow(
      /argument 'scaling' must be null or an object with a number 'highFreqFactor'/,
    );
    expect(() => nat.attention(x, x, x, 1, 1, 1, 3, 2, 1, 2, 0, null, 1, x, null)).toThrow(
      /Hq \(3\) must be a multiple of Hkv \(2\)/,
    );
  });

  it('shortens the OpenMP spin unless the user chose a wait policy', () => {
    expect(spinCountFor({})).toBe(REIN_GOMP_SPINCOUNT);
    expect(spinCountFor({ GOMP_SPINCOUNT: '300000' })).toBeNull();
    expect(spinCountFor({ OMP_WAIT_POLICY: 'passive' })).toBeNull();
    // this process: when rein chose the spin, it is in the environment libgomp read at load
    if (spinCountSetByRein) expect(process.env.GOMP_SPINCOUNT).toBe(REIN_GOMP_SPINCOUNT);
  });

  it('reports its OpenBLAS and threads, and threads can be set', () => {
    const info = nativeInfo();
    expect(info.blasConfig).toMatch(/OpenBLAS/);
    const before = info.threads;
    setNativeThreads(1);
    expect(nativeInfo().threads).toBe(1);
    setNativeThreads(before);
    expect(nativeInfo().threads).toBe(before);
  });
});
