/**
 * The buffer pool: free lists of Float32Array storage by size class.
 *
 * A training step allocates much the same set of buffer sizes every step (activations, gradients,
 * temporaries). Returning them here when a step ends, and handing them out again the next step,
 * keeps RSS flat and spares the allocator and GC from megabytes of fresh Float32Arrays per step.
 * Sizes are grouped in classes a quarter of an octave wide (exact up to 64 elements): packed
 * batches change shape from step to step by a few rows, and a class serves them all with at most
 * a quarter to spare. A tensor still sees exactly its size: a buffer longer than asked for is handed
 * out as a view of its first n elements, and the pool remembers whose view it is.
 *
 * When the free lists would pass `maxFreeBytes`, the sizes used least recently go first: a process
 * that moves from one job to another (the demo's stages) keeps the buffers of the job at hand.
 *
 * Correctness never depends on releasing: an unreleased buffer is simply garbage collected. Releasing
 * a buffer that is still in use is the one mistake to avoid; the tensor layer's scope() does it only
 * for tensors it created and marks them released, and backward refuses a graph that would read one
 * (an op's inputs and the tensors its backward closure saved are checked before any gradient runs).
 */
export interface PoolStats {
  /** Buffers handed out by `alloc` that came from a fresh allocation. */
  fresh: number;
  /** Buffers handed out by `alloc` that came from a free list. */
  reused: number;
  /** Buffers waiting in the free lists. */
  freeBuffers: number;
  /** Bytes waiting in the free lists. */
  freeBytes: number;
}

/** The spacing of the size classes around n: a quarter of n's octave, or 1 (exact) up to 64. */
function classStep(n: number): number {
  return n <= 64 ? 1 : 2 ** (Math.floor(Math.log2(n)) - 2);
}

/** The size class that serves n elements: n itself up to 64, else n rounded up to m·2^e, 4 ≤ m < 8. */
export function sizeClass(n: number): number {
  const step = classStep(n);
  return Math.ceil(n / step) * step;
}

/** The largest size class at most n: the free list a whole buffer of n elements can serve. */
function classBelow(n: number): number {
  const step = classStep(n);
  return Math.floor(n / step) * step;
}

export class BufferPool {
  /** Free buffers by size class, the least recently used class first (Map keeps insertion order). */
  private readonly free = new Map<number, Float32Array[]>();
  /** The whole buffer behind each view handed out. */
  private readonly owners = new WeakMap<Float32Array, Float32Array>();
  private freeBytes = 0;
  private fresh = 0;
  private reused = 0;
  private float64 = false;
  /**
   * Free buffers are kept up to this many bytes (the least recently used sizes dropped first): the
   * demo's largest working set, a PPO update's, is some 0.65 GB of pooled buffers.
   */
  maxFreeBytes = 1024 * 1024 * 1024;

  /** A buffer of exactly n elements; its contents are unspecified (old data from a previous user). */
  alloc(n: number): Float32Array {
    if (this.float64) return new Float64Array(n) as unknown as Float32Array;
    const size = sizeClass(n);
    const list = this.take(size);
    let whole: Float32Array;
    if (list !== undefined && list.length > 0) {
      whole = list.pop()!;
      this.freeBytes -= whole.byteLength;
      this.reused++;
    } else {
      whole = new Float32Array(size);
      this.fresh++;
    }
    if (whole.length === n) return whole;
    const view = whole.subarray(0, n);
    this.owners.set(view, whole);
    return view;
  }

  /** A buffer of exactly n zeros. */
  allocZeroed(n: number): Float32Array {
    const buf = this.alloc(n);
    buf.fill(0);
    return buf;
  }

  /** Gives a buffer back. The caller must not touch it afterwards. */
  release(buf: Float32Array): void {
    // float64 gradient-check storage and zero-length buffers are never pooled
    if (!(buf instanceof Float32Array) || buf.length === 0) return;
    let whole = this.owners.get(buf);
    if (whole !== undefined) this.owners.delete(buf);
    // any other view would alias memory the pool does not own: only whole buffers are pooled
    else if (buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength) whole = buf;
    else return;
    const bytes = whole.byteLength;
    if (bytes > this.maxFreeBytes) return;
    const size = classBelow(whole.length);
    this.evictFor(bytes, size);
    if (this.freeBytes + bytes > this.maxFreeBytes) return; // its own class fills the pool
    let list = this.take(size);
    if (list === undefined) {
      list = [];
      this.free.set(size, list);
    }
    list.push(whole);
    this.freeBytes += bytes;
  }

  /** The free list of a size class, marked most recently used. */
  private take(size: number): Float32Array[] | undefined {
    const list = this.free.get(size);
    if (list !== undefined) {
      this.free.delete(size);
      this.free.set(size, list);
    }
    return list;
  }

  /** Drops free buffers of the least recently used classes (not `keep`) until `bytes` more fit. */
  private evictFor(bytes: number, keep: number): void {
    for (const [size, list] of this.free) {
      if (this.freeBytes + bytes <= this.maxFreeBytes) return;
      if (size === keep) continue;
      while (list.length > 0 && this.freeBytes + bytes > this.maxFreeBytes)
        this.freeBytes -= list.pop()!.byteLength;
      if (list.length === 0) this.free.delete(size);
    }
  }

  /** Drops every free buffer (they become garbage). */
  clear(): void {
    this.free.clear();
    this.freeBytes = 0;
  }

  stats(): PoolStats {
    let freeBuffers = 0;
    for (const list of this.free.values()) freeBuffers += list.length;
    return { fresh: this.fresh, reused: this.reused, freeBuffers, freeBytes: this.freeBytes };
  }

  /**
   * Gradient checks only: while on, `alloc` returns Float64Array storage (typed as Float32Array) so the
   * whole tensor layer and the js kernels compute in float64. See src/tensor/gradcheck.ts.
   */
  setFloat64Storage(on: boolean): void {
    this.float64 = on;
  }

  isFloat64Storage(): boolean {
    return this.float64;
  }
}

/** The process-wide pool used by the tensor layer. */
export const pool = new BufferPool();
