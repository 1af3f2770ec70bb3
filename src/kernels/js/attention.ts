import type { F32, I32 } from '../backend.js';
import { type RopeScaling, ropeFrequency } from '../rope-frequencies.js';
import { scratch } from './scratch.js';

/**
 * Rotary position embedding on (B, T, H, D): each interleaved pair (x[2i], x[2i+1]) is rotated by
 * pos·theta^(−2i/D), or Llama 3's scaled frequency (by minus that angle when `inverse`, which is the
 * backward pass). out may alias x: both elements of a pair are read before either is written.
 */
export function rope(
  x: F32,
  B: number,
  T: number,
  H: number,
  D: number,
  positions: I32,
  theta: number,
  inverse: boolean,
  out: F32,
  scaling: RopeScaling | null = null,
): void {
  const half = D >> 1;
  const freqs = scratch(0, half);
  for (let i = 0; i < half; i++) freqs[i] = ropeFrequency(theta, D, i, scaling);
  const sign = inverse ? -1 : 1;
  for (let bt = 0; bt < B * T; bt++) {
    const pos = positions[bt];
    for (let i = 0; i < half; i++) {
      const angle = sign * pos * freqs[i];
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      for (let h = 0; h < H; h++) {
        const o = (bt * H + h) * D + 2 * i;
        const x0 = x[o];
        const x1 = x[o + 1];
        out[o] = x0 * c - x1 * s;
        out[o + 1] = x0 * s + x1 * c;
      }
    }
  }
}

/**
 * Causal scaled dot-product attention with grouped KV heads (see Backend.attention).
 * For each (b, h, t): scores over the visible keys first ≤ j ≤ qStart + t (j < Tk), first being
 * keyStart[b] or, with B·Tq entries (Tq > 1), keyStart[b·Tq + t] (packed sequences), then a
 * max-shifted softmax in float64, then out = Σ_j p_j·v_j. Masked weights are stored as 0 in probs.
 */
export function attention(
  q: F32,
  k: F32,
  v: F32,
  B: number,
  Tq: number,
  Tk: number,
  Hq: number,
  Hkv: number,
  D: number,
  kvBatchStride: number,
  qStart: number,
  keyStart: I32 | null,
  scale: number,
  out: F32,
  probs: F32 | null,
): void {
  const group = Hq / Hkv;
  const p = scratch(1, Tk);
  const acc = scratch(2, D);
  const perQuery = keyStart !== null && Tq > 1 && keyStart.length === B * Tq;
  for (let b = 0; b < B; b++) {
    const kvBase = b * kvBatchStride;
    for (let h = 0; h < Hq; h++) {
      const hk = Math.floor(h / group);
      for (let t = 0; t < Tq; t++) {
        const qo = ((b * Tq + t) * Hq + h) * D;
        const last = Math.min(qStart + t, Tk - 1);
        const first = keyStart === null ? 0 : Math.max(keyStart[perQuery ? b * Tq + t : b], 0);
        const po = ((b * Hq + h) * Tq + t) * Tk;
        let max = Number.NEGATIVE_INFINITY;
        for (let j = first; j <= last; j++) {
          const ko = kvBase + (j * Hkv + hk) * D;
          let s = 0;
          for (let d = 0; d < D; d++) s += q[qo + d] * k[ko + d];
          s *= scale;
          p[j] = s;
          if (s > max) max = s;
        }
        for (let d = 0; d < D; d++) acc[d] = 0;
        if (first <= last) {
          let sum = 0;
          for (let j = first; j <= last; j++) {
            const e = Math.exp(p[j] - max);
            p[j] = e;
            sum += e;
          }
          const inv = 1 / sum;
          for (let j = first; j <= last; j++) {
            const w = p[j] * inv;
            p[j] = w;
            const vo = kvBase + (j * Hkv + hk) * D;
            for (let d = 0; d < D; d++) acc[d] += w * v[vo + d];
          }
        }
        for (let d = 0; d < D; d++) out[qo + d] = acc[d];
        if (probs !== null) {
          for (let j = 0; j < Tk; j++) probs[po + j] = j >= first && j <= last ? p[j] : 0;
        }
      }
    }
  }
}

/**
 * Accumulates dq, dk, dv of `attention` from the stored probs (masked entries are 0, so the mask needs
 * no arguments here). k, v, dk, dv are contiguous (B, Tk, Hkv, D). Per (b, h, t):
 *   dv_j += p_j·dOut;  dp_j = dOut·v_j;  ds_j = p_j·(dp_j − Σ_i p_i·dp_i);
 *   dq += scale·Σ_j ds_j·k_j;  dk_j += scale·ds_j·q.
 */
export function attentionBackward(
  q: F32,
  k: F32,
  v: F32,
  probs: F32,
  dOut: F32,
  B: number,
  Tq: number,
  Tk: number,
  Hq: number,
  Hkv: number,
  D: number,
  scale: number,
  dq: F32,
  dk: F32,
  dv: F32,
): void {
  const group = Hq / Hkv;
  const dp = scratch(1, Tk);
  const acc = scratch(2, D);
  for (let b = 0; b < B; b++) {
    const kvBase = b * Tk * Hkv * D;
    for (let h = 0; h < Hq; h++) {
      const hk = Math.floor(h / group);
      for (let t = 0; t < Tq; t++) {
        const qo = ((b * Tq + t) * Hq + h) * D;
        const po = ((b * Hq + h) * Tq + t) * Tk;
        let dot = 0;
        for (let j = 0; j < Tk; j++) {
          const pj = probs[po + j];
          if (pj === 0) {
            dp[j] = 0;
            continue;
          }
          const vo = kvBase + (j * Hkv + hk) * D;
          let s = 0;
          for (let d = 0; d < D; d++) {
            s += dOut[qo + d] * v[vo + d];
            dv[vo + d] += pj * dOut[qo + d];
          }
          dp[j] = s;
          dot += pj * s;
        }
        for (let d = 0; d < D; d++) acc[d] = 0;
        for (let j = 0; j < Tk; j++) {
          const pj = probs[po + j];
          if (pj === 0) continue;
          const ds = pj * (dp[j] - dot) * scale;
          const ko = kvBase + (j * Hkv + hk) * D;
          for (let d = 0; d < D; d++) {
            acc[d] += ds * k[ko + d];
            dk[ko + d] += ds * q[qo + d];
          }
        }
        for (let d = 0; d < D; d++) dq[qo + d] += acc[d];
      }
    }
  }
}
