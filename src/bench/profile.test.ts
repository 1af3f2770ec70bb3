import { describe, expect, it } from 'vitest';
import { jsBackend } from '../kernels/js/index.js';
import { formatProfile, profileBackend } from './profile.js';

describe('profileBackend', () => {
  it('passes calls through, counts them per kernel/op/shape, and resets', () => {
    const p = profileBackend(jsBackend);
    const x = new Float32Array([1, -2, 3]);
    const out = new Float32Array(3);
    p.backend.unary('relu', x, out, 3, 0);
    p.backend.unary('relu', x, out, 3, 0);
    p.backend.unary('neg', x, out, 3, 0);
    expect(Array.from(out)).toEqual([-1, 2, -3]);
    const c = new Float32Array(4);
    p.backend.gemm(
      false,
      true,
      2,
      2,
      1,
      1,
      new Float32Array([1, 2]),
      0,
      new Float32Array([3, 4]),
      0,
      0,
      c,
      0,
      1,
    );
    expect(Array.from(c)).toEqual([3, 4, 6, 8]);
    expect(p.backend.sumSquares(x, 3)).toBe(14);
    const rows = new Map(p.rows().map((r) => [r.label, r.calls]));
    expect(rows.get('unary relu')).toBe(2);
    expect(rows.get('unary neg')).toBe(1);
    expect(rows.get('gemm NT 2x2x1')).toBe(1);
    expect(rows.get('sumSquares')).toBe(1);
    expect(p.backend.name).toBe('js');
    p.reset();
    expect(p.rows()).toEqual([]);
  });

  it('formats per-step times with the time outside the kernels', () => {
    const text = formatProfile(
      [
        { label: 'gemm NN 4x4x4', calls: 4, ms: 6 },
        { label: 'softmax', calls: 2, ms: 2 },
      ],
      2,
      5,
    );
    expect(text).toContain('3.000  60.0%      2  gemm NN 4x4x4');
    expect(text).toContain('4.000  80.0%         all kernels');
    expect(text).toContain('1.000  20.0%         outside kernels');
  });
});
