/** Gradient-norm clipping over all parameters together (global L2 norm). */
import { getBackend } from '../kernels/index.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Scales every gradient by maxNorm/‖g‖ when the global norm ‖g‖ = √(Σ_p Σ g²) exceeds maxNorm.
 * Returns ‖g‖ before clipping. A non-finite norm is returned as is and nothing is scaled (the caller
 * should skip the step).
 */
export function clipGradNorm(params: Tensor[] | [string, Tensor][], maxNorm: number): number {
  const be = getBackend();
  const ps = params.map((p) => (Array.isArray(p) ? p[1] : p));
  let sq = 0;
  for (const p of ps) if (p.grad !== null) sq += be.sumSquares(p.grad, p.size);
  const norm = Math.sqrt(sq);
  if (!Number.isFinite(norm) || norm <= maxNorm) return norm;
  const k = new Float32Array([maxNorm / (norm + 1e-6)]);
  const one = new Int32Array([1]);
  const zero = new Int32Array([0]);
  for (const p of ps) {
    if (p.grad === null) continue;
    be.binary('mul', p.grad, one, k, zero, p.grad, new Int32Array([p.size])); // in place (aliasing allowed)
  }
  return norm;
}
