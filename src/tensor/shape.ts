/** Shape arithmetic shared by the ops: sizes, strides, broadcasting, axis normalisation, messages. */

export type Shape = readonly number[];

/** "(2,3)": how shapes appear in error messages. */
export function fmt(shape: Shape): string {
  return `(${shape.join(',')})`;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Row-major strides of a contiguous tensor of `shape`. */
export function contiguousStrides(shape: Shape): Int32Array {
  const s = new Int32Array(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

/** Checks a shape: integer dims ≥ 0. */
export function checkShape(op: string, arg: string, shape: Shape): void {
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (!Number.isInteger(d) || d < 0)
      throw new Error(`${op}: ${arg} ${fmt(shape)}: dims must be integers ≥ 0`);
  }
}

/** numpy broadcasting of two shapes (aligned on the right); throws naming the op and both shapes. */
export function broadcastShapes(op: string, a: Shape, b: Shape, aName = 'a', bName = 'b'): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else throw new Error(`${op}: ${aName} ${fmt(a)} and ${bName} ${fmt(b)}: shapes do not broadcast`);
  }
  return out;
}

/** Strides that read a tensor of `shape` as if it had `outShape` (broadcast dims get stride 0). */
export function broadcastStrides(shape: Shape, outShape: Shape): Int32Array {
  const rank = outShape.length;
  const s = new Int32Array(rank);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const o = i + rank - shape.length;
    s[o] = shape[i] === 1 && outShape[o] !== 1 ? 0 : acc;
    acc *= shape[i];
  }
  return s;
}

/** Normalises a possibly negative axis; throws naming the op when it is out of range. */
export function normAxis(op: string, axis: number, rank: number, shape: Shape): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= rank) {
    throw new Error(`${op}: axis ${axis} is out of range for shape ${fmt(shape)}`);
  }
  return a;
}

/** Views `shape` around `axis` as (outer, len, inner). */
export function splitAtAxis(shape: Shape, axis: number): [number, number, number] {
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  let inner = 1;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape[axis], inner];
}
