import { describe, expect, it } from 'vitest';
import { BufferPool, sizeClass } from './pool.js';

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
  it('never pools a view it did not hand out, and respects maxFreeBytes', () => {
    const p = new BufferPool();
    const a = p.alloc(8);
    p.release(a.subarray(0, 4));
    expect(p.stats().freeBuffers).toBe(0);
    p.maxFreeBytes = 40;
    p.release(p.alloc(8)); // 32 bytes: kept
    p.release(p.alloc(12)); // 48 bytes: more than the pool holds, dropped
    expect(p.stats()).toMatchObject({ freeBuffers: 1, freeBytes: 32 });
    p.clear();
    expect(p.stats().freeBuffers).toBe(0);
  });

  it('serves sizes of one class (a quarter of an octave) from one buffer, as exact-length views', () => {
    expect([64, 65, 1000, 1024, 1025, 1100].map(sizeClass)).toEqual([64, 80, 1024, 1024, 1280, 1280]);
    const p = new BufferPool();
    const a = p.alloc(1000);
    expect(a.length).toBe(1000);
    expect(a.buffer.byteLength).toBe(4096);
    p.release(a);
    const b = p.alloc(1010); // the same class: the same memory, 1010 long
    expect(b.length).toBe(1010);
    expect(b.buffer).toBe(a.buffer);
    p.release(b);
    expect(p.alloc(1030).buffer).not.toBe(a.buffer); // the next class
    // a view of a view it handed out is not its own: not pooled
    const c = p.alloc(1000);
    p.release(c.subarray(0, 500));
    expect(p.stats().freeBuffers).toBe(0);
    expect(p.stats()).toMatchObject({ fresh: 2, reused: 2 });
  });

  it('makes room by dropping the sizes used least recently', () => {
    const p = new BufferPool();
    p.maxFreeBytes = 4 * (40 + 41 + 42); // room for a, b and c
    const [a, b, c] = [p.alloc(40), p.alloc(41), p.alloc(42)];
    p.release(a);
    p.release(b);
    p.release(c);
    p.release(p.alloc(40)); // 40 used again: 41 is now the stalest
    p.release(p.alloc(30)); // room for 30 comes from 41's list
    expect(p.alloc(41)).not.toBe(b);
    expect(p.alloc(42)).toBe(c);
    expect(p.alloc(40)).toBe(a);
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
