/** Inverted dropout: zero each element with probability p, scale survivors by 1/(1−p). */
import { getBackend } from '../../kernels/index.js';
import type { Rng } from '../../util/rng.js';
import { gradOf, needsGrad, record, saveForBackward } from '../autograd.js';
import { Tensor } from '../tensor.js';

/**
 * In training, out = x ⊙ mask with mask_i ∈ {0, 1/(1−p)}, keyed by one draw from `rng` (so a seeded
 * run repeats); in eval (training = false) or with p = 0 it returns x itself. Backward: dX += dOut ⊙ mask.
 */
export function dropout(x: Tensor, p: number, rng: Rng, training: boolean): Tensor {
  x.assertLive('dropout', 'x');
  if (!(p >= 0 && p < 1)) throw new Error(`dropout: p must be in [0, 1), got ${p}`);
  if (!training || p === 0) return x;
  const n = x.size;
  const mask = Tensor.empty(x.shape);
  const m = mask.data;
  const out = Tensor.empty(x.shape);
  // one draw a call: the kernel hashes (key, i) into each element's bit (p resolved to 2⁻³²)
  getBackend().dropout(x.data, n, rng.nextU32(), p * 4294967296, 1 / (1 - p), m, out.data);
  if (needsGrad(x)) {
    const flat = new Int32Array([n]);
    const one = new Int32Array([1]);
    record(out, [x], () => {
      // dX = dX + dOut ⊙ mask, in two in-place binary passes over a pooled temporary (mask reused)
      const be = getBackend();
      const dX = gradOf(x);
      const tmp = Tensor.empty(x.shape);
      be.binary('mul', out.grad!, one, m, one, tmp.data, flat);
      be.binary('add', dX, one, tmp.data, one, dX, flat);
      tmp.dispose();
    });
    saveForBackward(out, 'dropout', mask);
  }
  return out;
}
