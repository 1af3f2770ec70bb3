import { describe, expect, it } from 'vitest';
import { padRight, truncate } from './batch.js';

describe('batching', () => {
  const seqs = [
    { ids: [1, 2, 3, 4, 5], responseStart: 3 },
    { ids: [6, 7, 8], responseStart: 1 },
  ];

  it('right-pads rows and records their lengths', () => {
    const b = padRight(seqs, 0, 5);
    expect([b.B, b.T]).toEqual([2, 5]);
    expect(Array.from(b.ids)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 0, 0]);
    expect(Array.from(b.end!)).toEqual([5, 3]);
  });

  it('rounds the batch length up to a multiple of 16 within the limit', () => {
    expect(padRight(seqs, 0).T).toBe(16);
    expect(padRight(seqs, 0, 12).T).toBe(12);
    expect(padRight([{ ids: Array(17).fill(1), responseStart: 0 }], 0).T).toBe(32);
  });

  it('truncates from the front of the prompt, keeping the first token and the whole answer', () => {
    // prompt 0..5 (first token 0), answer 6..8
    const seq = { ids: [0, 1, 2, 3, 4, 5, 6, 7, 8], responseStart: 6 };
    expect(truncate(seq, 6)).toEqual({ ids: [0, 4, 5, 6, 7, 8], responseStart: 3 });
    // an answer longer than the room: the first token and the answer's start
    expect(truncate(seq, 3)).toEqual({ ids: [0, 6, 7], responseStart: 1 });
    // plain text (no prompt): its start
    expect(truncate({ ids: [1, 2, 3, 4], responseStart: 0 }, 2)).toEqual({ ids: [1, 2], responseStart: 0 });
    const s = { ids: [1], responseStart: 0 };
    expect(truncate(s, 4)).toBe(s);
  });
});
