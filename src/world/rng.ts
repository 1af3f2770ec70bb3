import { Xoshiro128 } from '../util/xoshiro.js';

/**
 * A small seeded random generator (xoshiro128**, util/xoshiro.ts), so the world is byte-identical for a seed
 * on every machine: Math.random cannot be seeded, and floats from other libraries may change.
 *
 * Every purpose gets its own named stream (`rng.fork('names')`), so that adding a draw for one
 * split never shifts the numbers another split sees.
 */
export class Rng {
  private readonly gen: Xoshiro128;

  constructor(seed: string | number) {
    this.gen = new Xoshiro128(hashString(String(seed)));
  }

  /** An independent stream for `label`, derived from this stream's current state. */
  fork(label: string): Rng {
    const g = this.gen;
    return new Rng(`${g.s0}:${g.s1}:${g.s2}:${g.s3}:${label}`);
  }

  /** A uniform unsigned 32-bit integer. */
  u32(): number {
    return this.gen.nextU32();
  }

  /** A uniform float in [0, 1) with 53 random bits. */
  float(): number {
    return this.gen.uniform();
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    if (!(n >= 1) || !Number.isInteger(n)) throw new Error(`Rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.float() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick: empty list');
    return items[this.int(items.length)];
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = out[i];
      out[i] = out[j];
      out[j] = t;
    }
    return out;
  }

  /** Picks an index with probability proportional to `weights[i]`. */
  weighted(weights: readonly number[]): number {
    const total = weights.reduce((a, b) => a + b, 0);
    let x = this.float() * total;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i];
      if (x < 0) return i;
    }
    return weights.length - 1;
  }

  /** A standard Gumbel draw, −log(−log U): adding scale·Gumbel to utilities and sorting gives Plackett–Luce. */
  gumbel(): number {
    const u = (this.u32() + 0.5) / 4294967296; // strictly inside (0, 1)
    return -Math.log(-Math.log(u));
  }

  /** A standard normal draw (Box–Muller). */
  normal(): number {
    const u = (this.u32() + 0.5) / 4294967296;
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** A 32-bit FNV-1a hash of the UTF-16 code units, mixed once more (murmur3 finaliser). */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
