import { describe, expect, it } from 'vitest';
import { candidateOrder } from './order.js';

describe('candidateOrder', () => {
  const items = ['a', 'b', 'c', 'd', 'e', 'f'];
  it('is a permutation, stable for one (labeler, prompt)', () => {
    const o = candidateOrder(items, 'ann', 'p1');
    expect(o.slice().sort()).toEqual(items);
    expect(candidateOrder(items, 'ann', 'p1')).toEqual(o);
  });
  it('differs across labelers and prompts (position carries no source order)', () => {
    const orders = new Set<string>();
    for (let l = 0; l < 20; l++) orders.add(candidateOrder(items, `l${l}`, 'p1').join(''));
    for (let p = 0; p < 20; p++) orders.add(candidateOrder(items, 'ann', `p${p}`).join(''));
    expect(orders.size).toBeGreaterThan(30);
    // Each candidate lands first for someone: no position is reserved for one source.
    const firsts = new Set(Array.from({ length: 60 }, (_, l) => candidateOrder(items, `x${l}`, 'p')[0]));
    expect(firsts.size).toBe(items.length);
  });
});
