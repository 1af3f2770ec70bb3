import { createHash } from 'node:crypto';

/**
 * The order one labeler sees a prompt's candidates in: a shuffle seeded by
 * (labeler, prompt), so that position carries no information about the source (the
 * first sample, the chosen answer…), different labelers see different orders (position
 * bias averages out), and a reload shows the same order again.
 */
export function candidateOrder<T>(items: readonly T[], labelerId: string, promptKey: string): T[] {
  const seed = createHash('sha256').update(`${labelerId}\u0000${promptKey}`).digest().readUInt32LE(0);
  const rand = mulberry32(seed);
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** A small 32-bit PRNG (mulberry32): plenty for shuffling a handful of cards. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
