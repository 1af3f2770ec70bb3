import { describe, expect, it } from 'vitest';
import { IGNORE, nextTokenTargets, packRight, padRight, truncate } from './batch.js';

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

  it('targets only response tokens, shifted by one', () => {
    const t = nextTokenTargets(padRight(seqs, 0, 5));
    // row 0: positions 2, 3 predict tokens 4, 5 (response starts at index 3)
    expect(Array.from(t.slice(0, 5))).toEqual([IGNORE, IGNORE, 4, 5, IGNORE]);
    // row 1: response from index 1: positions 0, 1 predict 7, 8; padding ignored
    expect(Array.from(t.slice(5))).toEqual([7, 8, IGNORE, IGNORE, IGNORE]);
  });

  it('targets every token when pretraining', () => {
    const t = nextTokenTargets(padRight(seqs, 0, 5), true);
    expect(Array.from(t.slice(0, 5))).toEqual([2, 3, 4, 5, IGNORE]);
  });

  it('targets the same tokens of a packed batch, where each sequence lies', () => {
    const three = [...seqs, { ids: [9, 10, 11, 12, 13, 14, 15], responseStart: 0 }];
    const p = packRight(three, 0, 16);
    expect([p.B, p.T]).toEqual([1, 16]); // 7 + 5 + 3 tokens side by side, one pad
    const t = nextTokenTargets(p, false);
    const alone = (i: number, all: boolean) => Array.from(nextTokenTargets(padRight([three[i]], 0, 16), all));
    three.forEach((s, i) => {
      for (const all of [false, true]) {
        const want = alone(i, all).slice(0, s.ids.length);
        const got = Array.from(all ? nextTokenTargets(p, true) : t).slice(
          p.first[i],
          p.first[i] + s.ids.length,
        );
        expect(got).toEqual(want);
      }
    });
    expect(t[15]).toBe(IGNORE); // the pad
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
