/**
 * The buffer pool: exact-size free lists of Float32Array storage.
 *
 * A training step allocates the same set of buffer sizes every step (activations, gradients,
 * temporaries). Returning them here when a step ends, and handing them out again the next step,
 * keeps RSS flat and spares the allocator and GC from megabytes of fresh Float32Arrays per step.
 * Sizes are matched exactly (no rounding up): a tensor's data is always exactly its size, so the
 * kernels never see padding.
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

export class BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  private freeBytes = 0;
  private fresh = 0;
  private reused = 0;
  private float64 = false;
  /** Released buffers beyond this many bytes are dropped (left to the GC) instead of kept. */
  maxFreeBytes = 2 * 1024 * 1024 * 1024;

  /** A buffer of exactly n elements; its contents are unspecified (old data from a previous user). */
  alloc(n: number): Float32Array {
    if (this.float64) return new Float64Array(n) as unknown as Float32Array;
    const list = this.free.get(n);
    if (list !== undefined && list.length > 0) {
      const buf = list.pop()!;
      this.freeBytes -= n * 4;
      this.reused++;
      return buf;
    }
    this.fresh++;
    return new Float32Array(n);
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
    // a subarray view would alias its parent's memory: only whole buffers are pooled
    if (buf.byteOffset !== 0 || buf.byteLength !== buf.buffer.byteLength) return;
    const bytes = buf.length * 4;
    if (this.freeBytes + bytes > this.maxFreeBytes) return;
    let list = this.free.get(buf.length);
    if (list === undefined) {
      list = [];
      this.free.set(buf.length, list);
    }
    list.push(buf);
    this.freeBytes += bytes;
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
