/**
 * Growable float64 scratch rows shared by the js kernels. Kernels use them for long sums
 * (float64 accumulators) without allocating on every call. Each kernel asks for its slot
 * by number so two scratch rows used at once never alias.
 */
const slots: Float64Array[] = [new Float64Array(64), new Float64Array(64), new Float64Array(64)];

/** A float64 row of at least n elements (contents unspecified) in slot `slot` (0, 1 or 2). */
export function scratch(slot: number, n: number): Float64Array {
  let s = slots[slot];
  if (s.length < n) {
    let size = s.length;
    while (size < n) size *= 2;
    s = new Float64Array(size);
    slots[slot] = s;
  }
  return s;
}
