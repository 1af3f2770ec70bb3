/** Creating tensors. Every creation copies into pool storage, so releasing a tensor never frees a caller's array. */
import { pool } from '../kernels/pool.js';
import type { Rng } from '../util/rng.js';
import { checkShape, fmt, type Shape, sizeOf } from './shape.js';
import { Tensor } from './tensor.js';

export interface CreateOptions {
  requiresGrad?: boolean;
  name?: string;
}

/** Nested number arrays, e.g. [[1, 2], [3, 4]]. */
export type NestedNumbers = number | readonly NestedNumbers[];

function finish(t: Tensor, opts: CreateOptions | undefined): Tensor {
  if (opts?.requiresGrad) t.requiresGrad = true;
  if (opts?.name) t.name = opts.name;
  return t;
}

/**
 * A tensor from values: a flat array-like with an explicit shape, or nested arrays (shape inferred),
 * or a single number (a scalar of shape []).
 */
export function tensor(
  values: ArrayLike<number> | NestedNumbers,
  shape?: Shape,
  opts?: CreateOptions,
): Tensor {
  if (typeof values === 'number') {
    const t = Tensor.empty(shape ?? []);
    if (t.size !== 1) throw new Error(`tensor: a number needs a one-element shape, got ${fmt(shape ?? [])}`);
    t.data[0] = values;
    return finish(t, opts);
  }
  const isFlat =
    ArrayBuffer.isView(values) ||
    (values as ArrayLike<unknown>).length === 0 ||
    typeof (values as ArrayLike<unknown>)[0] === 'number';
  if (isFlat) {
    const flat = values as ArrayLike<number>;
    const s = shape ?? [flat.length];
    checkShape('tensor', 'shape', s);
    if (sizeOf(s) !== flat.length) {
      throw new Error(`tensor: values have ${flat.length} elements but shape ${fmt(s)} needs ${sizeOf(s)}`);
    }
    const t = Tensor.empty(s);
    for (let i = 0; i < flat.length; i++) t.data[i] = flat[i];
    return finish(t, opts);
  }
  // nested arrays: infer the shape from the first element at each depth, then check every row
  const inferred: number[] = [];
  let probe: NestedNumbers = values as NestedNumbers;
  while (Array.isArray(probe)) {
    inferred.push(probe.length);
    probe = (probe as readonly NestedNumbers[])[0];
  }
  if (shape !== undefined && sizeOf(shape) !== sizeOf(inferred)) {
    throw new Error(`tensor: nested values of shape ${fmt(inferred)} do not fit shape ${fmt(shape)}`);
  }
  const t = Tensor.empty(shape ?? inferred);
  let k = 0;
  const walk = (v: NestedNumbers, depth: number, path: string): void => {
    if (depth === inferred.length) {
      if (typeof v !== 'number')
        throw new Error(`tensor: values${path} is not a number (ragged nested arrays)`);
      t.data[k++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== inferred[depth]) {
      throw new Error(
        `tensor: values${path} should be an array of ${inferred[depth]} (ragged nested arrays)`,
      );
    }
    for (let i = 0; i < v.length; i++) walk(v[i], depth + 1, `${path}[${i}]`);
  };
  walk(values as NestedNumbers, 0, '');
  return finish(t, opts);
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: Shape, value: number, opts?: CreateOptions): Tensor {
  checkShape('full', 'shape', shape);
  const t = Tensor.empty(shape);
  t.data.fill(value);
  return finish(t, opts);
}

export function zeros(shape: Shape, opts?: CreateOptions): Tensor {
  return full(shape, 0, opts);
}

export function ones(shape: Shape, opts?: CreateOptions): Tensor {
  return full(shape, 1, opts);
}

/** Normal samples (mean 0, standard deviation `std`) from a seeded generator. */
export function randn(shape: Shape, rng: Rng, std = 1, opts?: CreateOptions): Tensor {
  checkShape('randn', 'shape', shape);
  const t = Tensor.empty(shape);
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = rng.normal(0, std);
  return finish(t, opts);
}

/** Uniform samples in [lo, hi) from a seeded generator. */
export function rand(shape: Shape, rng: Rng, lo = 0, hi = 1, opts?: CreateOptions): Tensor {
  checkShape('rand', 'shape', shape);
  const t = Tensor.empty(shape);
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = lo + (hi - lo) * rng.uniform();
  return finish(t, opts);
}

/** 0, 1, …, n−1 as a float tensor. */
export function arange(n: number, opts?: CreateOptions): Tensor {
  const t = Tensor.empty([n]);
  for (let i = 0; i < n; i++) t.data[i] = i;
  return finish(t, opts);
}

/** A new tensor with a copy of x's data, outside the graph. */
export function clone(x: Tensor, opts?: CreateOptions): Tensor {
  x.assertLive('clone', 'x');
  const t = Tensor.empty(x.shape);
  t.data.set(x.data);
  return finish(t, opts);
}

/** Shares x's data without its graph (no gradient flows through). */
export function detach(x: Tensor): Tensor {
  x.assertLive('detach', 'x');
  return new Tensor(x.data, x.shape, x.base ?? x);
}

/** Allocation-free tensor of unspecified contents (for kernels that will overwrite it). */
export function empty(shape: Shape): Tensor {
  checkShape('empty', 'shape', shape);
  return Tensor.empty(shape);
}

/**
 * Drops the pool's free buffers (they become garbage). For a process moving to other work: the
 * buffers it keeps are sized for the job that released them, and would sit beside the new job's.
 */
export function releaseFreeBuffers(): void {
  pool.clear();
}

/** Pool statistics, re-exported for diagnostics. */
export function poolStats(): ReturnType<typeof pool.stats> {
  return pool.stats();
}
