/** Small statistics shared by reports and recipes. */

/** The arithmetic mean; NaN for no values (a report shows "—", never a silent 0). */
export function mean(xs: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += xs[i];
  return xs.length > 0 ? sum / xs.length : Number.NaN;
}
