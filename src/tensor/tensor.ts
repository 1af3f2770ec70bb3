/**
 * The Tensor: a float32, dense, contiguous, row-major array with a shape, an optional gradient, and
 * (when it came out of an op that needs gradients) the closure that pushes its gradient back to the
 * tensors it was computed from. Ops are plain functions in ./ops/; this class only holds state.
 */
import { pool } from '../kernels/pool.js';
import { installScopeHooks, track } from './scope.js';
import { fmt, type Shape, sizeOf } from './shape.js';

const RELEASED = new Float32Array(0);

/** Tensors an op's backward closure reads besides its parents, named by the op for error messages. */
export interface SavedTensors {
  op: string;
  tensors: readonly Tensor[];
}

export class Tensor {
  /** Dimensions, outermost first. A scalar has shape []. */
  readonly shape: readonly number[];
  /** Number of elements (product of the shape). */
  readonly size: number;
  /** The elements, contiguous row-major, exactly `size` long. */
  data: Float32Array;
  /** ∂loss/∂this after `backward`, same layout as data; null until something flows into it. */
  grad: Float32Array | null = null;
  /** Leaves: set to true on parameters and inputs you want gradients for. Op outputs: set by the op. */
  requiresGrad: boolean;
  /** A short label for error messages and debugging (e.g. the parameter name). */
  name = '';

  // ---- autograd (internal): set by ops through record() in autograd.ts
  /** Pushes this.grad into the parents' grads; null for leaves and after backward ran. */
  backwardFn: (() => void) | null = null;
  /** The tensors this one was computed from (only while backwardFn is set). */
  parents: Tensor[] | null = null;
  /** Other tensors backwardFn reads (saved statistics, masks), and the op's name for errors. */
  saved: SavedTensors | null = null;

  // ---- memory (internal)
  /** The tensor whose buffer this one shares (reshape views); null when it owns its data. */
  readonly base: Tensor | null;
  /** Exempt from release by scope() (see keep()). */
  kept = false;
  /** Released by scope() / dispose(): data is gone. */
  released = false;
  /** Whether data came from the pool (and may go back to it). */
  private readonly pooled: boolean;

  /**
   * Low level: wraps `data` (exactly sizeOf(shape) long). Use the creation functions (tensor, zeros, …)
   * or ops instead. `pooled`: data came from the pool and may be returned to it on release.
   */
  constructor(data: Float32Array, shape: Shape, base: Tensor | null = null, pooled = false) {
    const size = sizeOf(shape);
    if (data.length !== size) {
      throw new Error(`Tensor: data has ${data.length} elements but shape ${fmt(shape)} needs ${size}`);
    }
    this.shape = shape.slice();
    this.size = size;
    this.data = data;
    this.base = base;
    this.pooled = pooled && base === null;
    this.requiresGrad = false;
    track(this);
  }

  /** A fresh tensor of `shape` with pooled, uninitialised storage (ops write every element). */
  static empty(shape: Shape): Tensor {
    return new Tensor(pool.alloc(sizeOf(shape)), shape, null, true);
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The value of a one-element tensor. */
  item(): number {
    this.assertLive('item');
    if (this.size !== 1)
      throw new Error(`item: tensor ${fmt(this.shape)} has ${this.size} elements, expected 1`);
    return this.data[0];
  }

  /** The elements as a flat number[] (row-major). */
  toArray(): number[] {
    this.assertLive('toArray');
    return Array.from(this.data);
  }

  /** The elements as nested arrays following the shape (a scalar gives a number). */
  toNested(): number | unknown[] {
    this.assertLive('toNested');
    const rec = (dim: number, offset: number): number | unknown[] => {
      if (dim === this.shape.length) return this.data[offset];
      let stride = 1;
      for (let d = dim + 1; d < this.shape.length; d++) stride *= this.shape[d];
      const out: unknown[] = [];
      for (let i = 0; i < this.shape[dim]; i++) out.push(rec(dim + 1, offset + i * stride));
      return out;
    };
    return rec(0, 0);
  }

  /** Throws if this tensor was released (`op` names the caller). */
  assertLive(op: string, arg = 'tensor'): void {
    if (this.released) {
      throw new Error(
        `${op}: ${arg} ${fmt(this.shape)}${this.name ? ` '${this.name}'` : ''} was released by scope() or dispose()`,
      );
    }
  }

  toString(): string {
    return `Tensor${fmt(this.shape)}${this.requiresGrad ? ' requiresGrad' : ''}${this.released ? ' released' : ''}`;
  }

  /** Frees data and grad back to the pool (no-op when already released). */
  dispose(): void {
    release(this);
  }

  /** @internal whether data may go back to the pool on release */
  ownsPooledData(): boolean {
    return this.pooled;
  }
}

/** Releases t: its grad and (when it owns pooled data) its data go back to the pool. */
export function release(t: Tensor): void {
  if (t.released) return;
  t.released = true;
  if (t.grad !== null) {
    pool.release(t.grad);
    t.grad = null;
  }
  if (t.ownsPooledData()) pool.release(t.data);
  t.data = RELEASED;
  t.backwardFn = null;
  t.parents = null;
  t.saved = null;
}

export function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}

installScopeHooks(isTensor, release);
