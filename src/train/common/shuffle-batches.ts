import { Rng } from '../../util/rng.js';

/**
 * The indices of the examples in optimiser step `step`: epochs of a fresh shuffle each
 * (epoch e is shuffled by Rng(seed + e)), cut into batches; a last short batch wraps into
 * the next epoch. A pure function of (n, batchSize, seed, step), so a resumed run sees
 * exactly the batches an uninterrupted one would.
 */
export function batchIndices(n: number, batchSize: number, seed: number, step: number): number[] {
  if (n <= 0) throw new Error('batchIndices: no examples to train on');
  const out: number[] = [];
  let pos = step * batchSize;
  let epoch = Math.floor(pos / n);
  let order = epochOrder(n, seed, epoch);
  while (out.length < batchSize) {
    const e = Math.floor(pos / n);
    if (e !== epoch) {
      epoch = e;
      order = epochOrder(n, seed, epoch);
    }
    out.push(order[pos % n]);
    pos++;
  }
  return out;
}

/**
 * An iteration's rows when each prompt is answered `G` times: batchIndices' `perIteration` prompts
 * for iteration `iter`, each repeated G times in a row (a group is G adjacent rows).
 */
export function groupedIndices(
  n: number,
  perIteration: number,
  G: number,
  seed: number,
  iter: number,
): number[] {
  return batchIndices(n, perIteration, seed, iter).flatMap((r) => Array<number>(G).fill(r));
}

const cache = new Map<string, number[]>();

function epochOrder(n: number, seed: number, epoch: number): number[] {
  const key = `${n}/${seed}/${epoch}`;
  let order = cache.get(key);
  if (!order) {
    order = Array.from({ length: n }, (_, i) => i);
    Rng.forStep(seed, 0, epoch).shuffle(order); // stream 0: the shuffles
    if (cache.size > 64) cache.clear();
    cache.set(key, order);
  }
  return order;
}

/** Splits indices 0..n−1 into train and held-out parts (a seeded shuffle; at least one of each when n ≥ 2). */
export function splitIndices(
  n: number,
  heldoutFraction: number,
  seed: number,
): { train: number[]; heldout: number[] } {
  const order = Array.from({ length: n }, (_, i) => i);
  new Rng(seed).shuffle(order);
  let k = Math.round(n * heldoutFraction);
  if (heldoutFraction > 0 && n >= 2) k = Math.min(n - 1, Math.max(1, k));
  return { heldout: order.slice(0, k).sort((a, b) => a - b), train: order.slice(k).sort((a, b) => a - b) };
}
