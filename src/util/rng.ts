import { Xoshiro128 } from './xoshiro.js';

/**
 * A small, fast, seeded PRNG on xoshiro128** (util/xoshiro.ts), seeded by a number: the same
 * stream bit for bit on every platform. Everything random in rein's training (init, dropout,
 * sampling, shuffling) draws from one of these.
 */
export class Rng {
  private readonly gen: Xoshiro128;
  /** The second Box–Muller value, kept for the next `normal()` call. */
  private spare: number | null = null;

  /** `seed`: any finite number; its integer part (up to 2^53) picks the stream. */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Rng: seed must be a finite number, got ${seed}`);
    const lo = Math.trunc(seed) >>> 0;
    const hi = Math.trunc(seed / 4294967296) >>> 0;
    this.gen = new Xoshiro128(lo ^ Math.imul(hi, 0x9e3779b9));
  }

  /**
   * The generator of one step (or epoch, or call) `index` of a named stream of a run seeded `seed`:
   * a pure function of the three, so a resumed run draws what an uninterrupted one would without
   * saving any generator's state. `stream` (any integer below 2^32) keeps unrelated draws apart.
   */
  static forStep(seed: number, stream: number, index: number): Rng {
    return new Rng((seed + stream) * 1000003 + index);
  }

  /** The next 32 random bits as an unsigned integer. */
  nextU32(): number {
    return this.gen.nextU32();
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    return this.gen.uniform();
  }

  /** Standard normal (Box–Muller; the pair's second value is kept for the next call). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + std * z;
    }
    let u = 0;
    while (u === 0) u = this.uniform(); // log(0) is −∞
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** A uniform integer in [0, n), without modulo bias (n ≤ 2^32). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 4294967296) {
      throw new Error(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    }
    if (n > 2147483648) return Math.floor(this.uniform() * n);
    // reject the top sliver of [0, 2^32) that does not divide evenly into n buckets
    const limit = 4294967296 - (4294967296 % n);
    let x = this.nextU32();
    while (x >= limit) x = this.nextU32();
    return x % n;
  }

  /** A uniformly chosen element of a non-empty array. */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.choice: the array is empty');
    return items[this.int(items.length)];
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    return items;
  }

  /**
   * Draws an index with probability proportional to weights[offset + i], i < n (weights need not sum
   * to 1; they must be ≥ 0 with a positive sum). Reads a row of a probability matrix without copying.
   */
  categorical(weights: ArrayLike<number>, offset = 0, n = weights.length - offset): number {
    let total = 0;
    for (let i = 0; i < n; i++) {
      const w = weights[offset + i];
      if (!(w >= 0)) throw new Error(`Rng.categorical: weight ${i} is ${w}; weights must be ≥ 0`);
      total += w;
    }
    if (!(total > 0) || !Number.isFinite(total)) {
      throw new Error(`Rng.categorical: weights must have a positive finite sum, got ${total}`);
    }
    let u = this.uniform() * total;
    for (let i = 0; i < n; i++) {
      u -= weights[offset + i];
      if (u < 0) return i;
    }
    // rounding left u ≥ 0 after the last step: return the last index with positive weight
    for (let i = n - 1; i >= 0; i--) if (weights[offset + i] > 0) return i;
    return n - 1;
  }

  /** A new generator whose stream is determined by this one (for independent sub-streams). */
  fork(): Rng {
    return new Rng(this.nextU32() * 2097152 + (this.nextU32() >>> 11));
  }

  /** The full state, for checkpoints: restoring it with `setState` continues the same stream. */
  getState(): number[] {
    const g = this.gen;
    return [g.s0, g.s1, g.s2, g.s3, this.spare === null ? Number.NaN : this.spare];
  }

  setState(state: readonly number[]): void {
    if (state.length !== 5) throw new Error(`Rng.setState: expected 5 numbers, got ${state.length}`);
    this.gen.s0 = state[0] >>> 0;
    this.gen.s1 = state[1] >>> 0;
    this.gen.s2 = state[2] >>> 0;
    this.gen.s3 = state[3] >>> 0;
    this.spare = Number.isNaN(state[4]) ? null : state[4];
  }
}
