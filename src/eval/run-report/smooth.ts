/**
 * Smoothing and thinning of a metric's curve for drawing. The moving average is trailing (each
 * point averages itself and the window − 1 before it, fewer at the start), as a training dashboard
 * shows it: a value at step t never depends on later steps.
 */

/** Trailing moving average over `window` points (1: the values themselves). */
export function movingAverage(values: readonly number[], window: number): number[] {
  if (!Number.isInteger(window) || window < 1) throw new Error(`movingAverage: window ${window} is not ≥ 1`);
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    if (i >= window) sum -= values[i - window];
    out.push(sum / Math.min(i + 1, window));
  }
  return out;
}

/**
 * The default window: a twentieth of the longest curve, at most 50 points; none (1) below 60 points,
 * where every value shows on its own.
 */
export function defaultWindow(longest: number): number {
  return longest < 60 ? 1 : Math.min(50, Math.round(longest / 20));
}

/**
 * Whether a curve of `n` points gets a smoothed line over its faint raw points: only when it has
 * at least two windows of points — a held-out metric measured 6 times is drawn as it is.
 */
export function smoothes(n: number, window: number): boolean {
  return window > 1 && n >= 2 * window;
}

/**
 * At most about `max` points of a curve, for drawing: each run of consecutive points keeps its
 * lowest and highest (in step order), so a spike survives the thinning. Shorter curves are
 * returned as they are.
 */
export function thinPoints(points: readonly [number, number][], max: number): [number, number][] {
  if (points.length <= max) return [...points];
  const size = Math.ceil(points.length / Math.max(1, Math.floor(max / 2)));
  const out: [number, number][] = [];
  for (let s = 0; s < points.length; s += size) {
    let lo = s;
    let hi = s;
    for (let i = s + 1; i < Math.min(points.length, s + size); i++) {
      if (points[i][1] < points[lo][1]) lo = i;
      if (points[i][1] > points[hi][1]) hi = i;
    }
    out.push(points[Math.min(lo, hi)]);
    if (lo !== hi) out.push(points[Math.max(lo, hi)]);
  }
  return out;
}
