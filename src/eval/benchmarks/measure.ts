/**
 * A benchmark figure with its 95 % interval. Benchmark items are distinct questions answered once
 * each, so they are independent draws: a share of yes/no outcomes gets Wilson's interval on n, a
 * mean of per-item values in [0, 1] (MC2, a probability) the interval of interval.ts's rateInterval
 * with every item its own cluster.
 */
import { type Interval, rateInterval, wilson } from '../interval.js';

/** The interval widened by rounding error only, to hold the value (Wilson's gives 5.6e-17, not 0, at p = 0). */
function around(value: number, ci: Interval | null): Interval | null {
  return ci && [Math.min(ci[0], value), Math.max(ci[1], value)];
}

export interface Measure {
  /** null when there were no items. */
  value: number | null;
  ci95: Interval | null;
  n: number;
}

/** The share of true outcomes. */
export function share(outcomes: readonly boolean[]): Measure {
  const n = outcomes.length;
  if (n === 0) return { value: null, ci95: null, n };
  const p = outcomes.filter(Boolean).length / n;
  return { value: p, ci95: around(p, wilson(p, n)), n };
}

/** The mean of per-item values in [0, 1]. */
export function meanShare(values: readonly number[]): Measure {
  const n = values.length;
  if (n === 0) return { value: null, ci95: null, n };
  for (const v of values)
    if (!(v >= 0 && v <= 1)) throw new Error(`meanShare: ${v} is not a value in [0, 1]`);
  const mean = values.reduce((a, b) => a + b, 0) / n;
  return {
    value: mean,
    ci95: around(
      mean,
      rateInterval(
        values,
        values.map((_, i) => String(i)),
      ),
    ),
    n,
  };
}
