/**
 * 95 % confidence intervals for figures measured on sampled answers.
 *
 * The answers are clustered: the evaluation repeats each held-out prompt (several samples per
 * prompt, and a small family such as benign_sensitive has only a few dozen distinct prompts),
 * and answers to one prompt succeed or fail together far more than answers to different ones.
 * Treating 400 answers as 400 independent draws would make intervals too narrow, so the variance
 * is the cluster-robust one of a ratio estimator (clusters = distinct prompts), and a rate's
 * interval is Wilson's score interval at the effective sample size that variance implies.
 */

/** [low, high]. */
export type Interval = [number, number];

/** z for a two-sided 95 % interval. */
const Z95 = 1.959964;

export interface ClusteredMean {
  mean: number;
  /** Cluster-robust variance of the mean (null with a single cluster: nothing to compare). */
  variance: number | null;
  n: number;
  clusters: number;
}

/** Mean of `values` and its variance, with `clusters[i]` naming the group value i belongs to. */
export function clusteredMean(values: readonly number[], clusters: readonly string[]): ClusteredMean | null {
  if (values.length !== clusters.length)
    throw new Error(`clusteredMean: ${values.length} values but ${clusters.length} cluster keys`);
  const n = values.length;
  if (n === 0) return null;
  const sums = new Map<string, { sum: number; size: number }>();
  let total = 0;
  values.forEach((v, i) => {
    const c = sums.get(clusters[i]) ?? { sum: 0, size: 0 };
    c.sum += v;
    c.size++;
    sums.set(clusters[i], c);
    total += v;
  });
  const mean = total / n;
  const C = sums.size;
  if (C < 2) return { mean, variance: null, n, clusters: C };
  let ss = 0;
  for (const { sum, size } of sums.values()) ss += (sum - mean * size) ** 2;
  return { mean, variance: (C / (C - 1)) * (ss / (n * n)), n, clusters: C };
}

/** Wilson's score interval for a proportion p observed on n (possibly effective, fractional) trials. */
export function wilson(p: number, n: number, z = Z95): Interval {
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * Interval for the mean of values in [0, 1] (a rate: 1 = has the label; a win rate: 1, ½, 0).
 * The effective sample size is p(1 − p) / variance, at most the number of values. When the
 * answers show no spread to measure (every value the same: a rate of 0 or 1, or all ties) each
 * distinct prompt counts once — an error that no prompt showed may still sit on prompts not asked.
 */
export function rateInterval(values: readonly number[], clusters: readonly string[]): Interval | null {
  const m = clusteredMean(values, clusters);
  if (!m) return null;
  const p = Math.min(1, Math.max(0, m.mean));
  let nEff: number;
  if (m.variance === null) nEff = 1;
  else if (m.variance > 1e-12 && p > 0 && p < 1)
    nEff = Math.min(m.n, Math.max(1, (p * (1 - p)) / m.variance));
  else nEff = m.clusters;
  return wilson(p, nEff);
}

/** Normal interval mean ± z·se for an unbounded mean (e.g. the gold score); null with one cluster. */
export function meanInterval(values: readonly number[], clusters: readonly string[]): Interval | null {
  const m = clusteredMean(values, clusters);
  if (!m || m.variance === null) return null;
  const half = Z95 * Math.sqrt(m.variance);
  return [m.mean - half, m.mean + half];
}

/**
 * A share as percent text, for tables and prose: 0.123 → "12.3 %" (`digits` after the point).
 * A figure that was not measured (null, or NaN from no data) shows as "—".
 */
export function percent(x: number | null, digits = 1): string {
  return x === null || !Number.isFinite(x) ? '—' : `${(100 * x).toFixed(digits)} %`;
}

/** An interval of shares as percent text, for tables: [0.121, 0.297] → "12.1–29.7". */
export function percentRange([lo, hi]: Interval): string {
  return `${(100 * lo).toFixed(1)}–${(100 * hi).toFixed(1)}`;
}
