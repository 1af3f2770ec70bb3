/** How online DPO turns a prompt's scored answers into one preference pair. */

/** A pair of rows of the rollout batch: the preferred answer and the other. */
export interface RowPair {
  chosen: number;
  rejected: number;
}

/**
 * One pair per group of `G` consecutive rows (one prompt's answers): the row with the highest
 * score against the one with the lowest (the first of equals). A group whose answers all score the
 * same says nothing about which is better and gives no pair — identical answers, most often.
 */
export function bestAgainstWorst(scores: ArrayLike<number>, G: number): RowPair[] {
  if (G < 2) throw new Error(`bestAgainstWorst: a group needs 2 answers or more, not ${G}`);
  if (scores.length % G !== 0)
    throw new Error(`bestAgainstWorst: ${scores.length} scores do not split into groups of ${G}`);
  const pairs: RowPair[] = [];
  for (let g = 0; g < scores.length; g += G) {
    let best = g;
    let worst = g;
    for (let i = g + 1; i < g + G; i++) {
      if (scores[i] > scores[best]) best = i;
      if (scores[i] < scores[worst]) worst = i;
    }
    if (scores[best] > scores[worst]) pairs.push({ chosen: best, rejected: worst });
  }
  return pairs;
}
