import { describe, expect, it } from 'vitest';
import { ropeFrequency } from './rope-frequencies.js';

describe("ropeFrequency: θ^(−2i/D), and Llama 3's scaling", () => {
  // Llama 3.2's rope_scaling: wavelengths under 8192/4 = 2048 keep their speed, over 8192/1 slow 32×
  const scaling = { factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 8192 };
  const theta = 500000;
  const D = 64;

  it('is θ^(−2i/D) without scaling', () => {
    expect(ropeFrequency(10000, 8, 1, null)).toBeCloseTo(0.1, 12);
    expect(ropeFrequency(theta, D, 0, null)).toBe(1);
  });

  it('keeps the fast pairs, slows the slow ones by the factor, and mixes in between', () => {
    // pair 0: wavelength 2π, far under 2048
    expect(ropeFrequency(theta, D, 0, scaling)).toBe(1);
    // pair 31: f = 500000^(−62/64) ≈ 3.1e-6, wavelength ≈ 2.0e6 > 8192
    const slow = theta ** (-62 / 64);
    expect(ropeFrequency(theta, D, 31, scaling)).toBeCloseTo(slow / 32, 18);
    // pair 14: f = 500000^(−28/64) ≈ 0.0032, wavelength ≈ 1965 < 2048: kept
    expect(ropeFrequency(theta, D, 14, scaling)).toBe(theta ** (-28 / 64));
    // pair 16: f = 500000^(−1/2) ≈ 0.001414, wavelength ≈ 4443: smooth = (8192/4443 − 1)/3 ≈ 0.2813
    const f = theta ** -0.5;
    const smooth = (8192 / ((2 * Math.PI) / f) - 1) / 3;
    expect(smooth).toBeCloseTo(0.2813, 3);
    expect(ropeFrequency(theta, D, 16, scaling)).toBeCloseTo((1 - smooth) * (f / 32) + smooth * f, 15);
  });
});
