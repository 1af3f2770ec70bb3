import { describe, expect, it } from 'vitest';
import { bestAgainstWorst } from './pairs.js';

describe('bestAgainstWorst', () => {
  it("pairs each group's highest score with its lowest", () => {
    // groups of 3: [0.1, 0.9, -0.4] → 1 over 2; [2, 1, 3] → 5 over 4
    expect(bestAgainstWorst([0.1, 0.9, -0.4, 2, 1, 3], 3)).toEqual([
      { chosen: 1, rejected: 2 },
      { chosen: 5, rejected: 4 },
    ]);
  });

  it('gives no pair for a group whose answers all score the same, and takes the first of equals', () => {
    expect(bestAgainstWorst([0.5, 0.5, 1, -1, 1, -1], 2)).toEqual([
      { chosen: 2, rejected: 3 },
      { chosen: 4, rejected: 5 },
    ]);
    expect(bestAgainstWorst([1, 3, 3, 1], 4)).toEqual([{ chosen: 1, rejected: 0 }]);
    expect(bestAgainstWorst([0, 0, 0, 0], 2)).toEqual([]);
  });

  it('refuses groups of one and scores that do not split into groups', () => {
    expect(() => bestAgainstWorst([1, 2], 1)).toThrow(/2 answers or more/);
    expect(() => bestAgainstWorst([1, 2, 3], 2)).toThrow(/3 scores do not split into groups of 2/);
  });
});
