/**
 * Helpers for the native-vs-js agreement tests: seeded random arrays and a float32
 * tolerance check that names the worst element when it fails.
 */
import { expect } from 'vitest';

/** A small seeded generator (mulberry32): the same seed gives the same arrays on every run. */
export class TestRng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo));
  }
  /** n floats uniform in [lo, hi). */
  f32(n: number, lo = -1, hi = 1): Float32Array {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * this.next();
    return a;
  }
  /** n ints uniform in [lo, hi). */
  i32(n: number, lo: number, hi: number): Int32Array {
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = this.int(lo, hi);
    return a;
  }
}

/** A fresh copy (so js and native each write into their own output starting from the same data). */
export function copy(a: Float32Array): Float32Array {
  return new Float32Array(a);
}

/** NaN-filled output buffer: a kernel that forgets an element leaves a NaN behind. */
export function nans(n: number): Float32Array {
  return new Float32Array(n).fill(Number.NaN);
}

export interface Tolerance {
  rtol?: number;
  atol?: number;
}

/**
 * Checks |actual − expected| ≤ atol + rtol·|expected| element by element (NaN must match NaN,
 * infinities must match exactly), and reports the worst element otherwise.
 */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  label: string,
  tol: Tolerance = {},
): void {
  const rtol = tol.rtol ?? 1e-4;
  const atol = tol.atol ?? 1e-5;
  expect(actual.length, `${label}: length`).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (Number.isNaN(e) !== Number.isNaN(a)) {
        worst = i;
        worstExcess = Number.POSITIVE_INFINITY;
        break;
      }
      continue;
    }
    if (!Number.isFinite(e) || !Number.isFinite(a)) {
      if (a !== e) {
        worst = i;
        worstExcess = Number.POSITIVE_INFINITY;
        break;
      }
      continue;
    }
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = i;
    }
  }
  if (worst >= 0) {
    expect.fail(
      `${label}: element ${worst} is ${actual[worst]}, the js reference gives ${expected[worst]} (rtol ${rtol}, atol ${atol})`,
    );
  }
}

/** Runs the same kernel call on two backends' copies of `outputs` and compares every output. */
export function agree(
  label: string,
  outputs: Float32Array[],
  run: (which: 'js' | 'native', outs: Float32Array[]) => void,
  tol: Tolerance = {},
): void {
  const js = outputs.map(copy);
  const nat = outputs.map(copy);
  run('js', js);
  run('native', nat);
  for (let i = 0; i < outputs.length; i++) expectClose(nat[i], js[i], `${label} [output ${i}]`, tol);
}
