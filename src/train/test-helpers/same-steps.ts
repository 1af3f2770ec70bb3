/**
 * Checks that two runs took the same steps up to rounding: a run in micro-batches against the same
 * run without them.
 */
import { expect } from 'vitest';

/**
 * Expects the runs' logs to agree step by step on `keys`, to a relative `tolerance` (of at least
 * 0.05 in size: a margin near 0 differs in its last bits as much as one of 0.05). Each step's loss
 * and gradient norm are functions of the weights it starts from, so agreeing at every step means
 * the runs' weights stayed together.
 */
export function expectSameSteps(
  a: readonly object[],
  b: readonly object[],
  keys: readonly string[],
  tolerance = 1e-4,
): void {
  expect(b.length).toBe(a.length);
  expect(a.length).toBeGreaterThan(0);
  const at = (r: object, k: string) => (r as Record<string, number>)[k];
  a.forEach((r, i) => {
    for (const k of keys) {
      expect(Number.isFinite(at(r, k)), `${k} at step ${i + 1}`).toBe(true);
      expect(Math.abs(at(b[i], k) - at(r, k)), `${k} at step ${i + 1}`).toBeLessThanOrEqual(
        tolerance * Math.max(0.05, Math.abs(at(r, k))),
      );
    }
  });
}
