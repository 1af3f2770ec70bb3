import { describe, expect, it } from 'vitest';
import { BufferPool } from './pool.js';

describe('BufferPool', () => {
  it('reuses released buffers of exactly the same size', () => {
    const p = new BufferPool();
    const a = p.alloc(10);
    p.release(a);
    expect(p.alloc(11)).not.toBe(a);
    expect(p.alloc(10)).toBe(a);
    expect(p.stats()).toMatchObject({ fresh: 2, reused: 1, freeBuffers: 0, freeBytes: 0 });
  });
  it('allocZeroed zeroes a reused buffer', () => {
    const p = new BufferPool();
    const a = p.alloc(4);
    a.fill(7);
    p.release(a);
    expect(Array.from(p.allocZeroed(4))).toEqual([0, 0, 0, 0]);
  });
  it('never pools subarray views, and respects maxFreeBytes', () => {
    const p = new BufferPool();
    const a = p.alloc(8);
    p.release(a.subarray(0, 4));
    expect(p.stats().freeBuffers).toBe(0);
    p.maxFreeBytes = 40;
    p.release(p.alloc(8)); // 32 bytes: kept
    p.release(p.alloc(4)); // would make 48 bytes: dropped
    expect(p.stats()).toMatchObject({ freeBuffers: 1, freeBytes: 32 });
    p.clear();
    expect(p.stats().freeBuffers).toBe(0);
  });
  it('float64 storage mode hands out Float64Array and pools nothing', () => {
    const p = new BufferPool();
    p.setFloat64Storage(true);
    const a = p.alloc(3);
    expect(a).toBeInstanceOf(Float64Array);
    p.release(a);
    expect(p.stats().freeBuffers).toBe(0);
  });
});
