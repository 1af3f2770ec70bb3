/**
 * The fused linear layer y = x·Wᵀ + b, W (out, in) as in PyTorch. x (..., in) is viewed as
 * (rows, in) — free, it is contiguous — and y is one GEMM with the transB flag. With a bias, y is
 * first filled with copies of the bias row (copyRows with a source stride of 0) and the GEMM adds
 * onto it (beta = 1): no separate broadcast-add pass and no second activation buffer.
 *
 * Backward:  dX += dY·W   (rows, in);   dW += dYᵀ·X   (out, in);   db += Σ_rows dY.
 */
import { getBackend } from '../../kernels/index.js';
import { gradOf, needsGrad, record } from '../autograd.js';
import { fmt } from '../shape.js';
import { Tensor } from '../tensor.js';

export function linear(x: Tensor, w: Tensor, bias: Tensor | null = null): Tensor {
  x.assertLive('linear', 'x');
  w.assertLive('linear', 'weight');
  if (w.rank !== 2) throw new Error(`linear: weight ${fmt(w.shape)} must be (out, in)`);
  const [outF, inF] = w.shape;
  if (x.rank === 0 || x.shape[x.rank - 1] !== inF) {
    throw new Error(`linear: x ${fmt(x.shape)} and weight ${fmt(w.shape)}: x's last dim must be in = ${inF}`);
  }
  if (bias !== null) {
    bias.assertLive('linear', 'bias');
    if (bias.rank !== 1 || bias.shape[0] !== outF) {
      throw new Error(`linear: bias ${fmt(bias.shape)} and weight ${fmt(w.shape)}: bias must be (${outF})`);
    }
  }
  // from the leading dims, not x.size / in: with in = 0 there are still rows (each gets the bias, or 0)
  let rows = 1;
  for (let d = 0; d < x.rank - 1; d++) rows *= x.shape[d];
  const outShape = x.shape.slice();
  outShape[outShape.length - 1] = outF;
  const out = Tensor.empty(outShape);
  const be = getBackend();
  if (bias !== null) be.copyRows(bias.data, 0, 0, out.data, 0, outF, rows, outF, false);
  be.gemm(false, true, rows, outF, inF, 1, x.data, 0, w.data, 0, bias === null ? 0 : 1, out.data, 0, 1);
  if (needsGrad(x, w, bias)) {
    record(out, bias === null ? [x, w] : [x, w, bias], () => {
      const be = getBackend();
      const dY = out.grad!;
      if (x.requiresGrad) be.gemm(false, false, rows, inF, outF, 1, dY, 0, w.data, 0, 1, gradOf(x), 0, 1);
      if (w.requiresGrad) be.gemm(true, false, outF, inF, rows, 1, dY, 0, x.data, 0, 1, gradOf(w), 0, 1);
      if (bias?.requiresGrad) {
        be.sumToStrides(dY, new Int32Array([rows, outF]), gradOf(bias), new Int32Array([0, 1]));
      }
    });
  }
  return out;
}
