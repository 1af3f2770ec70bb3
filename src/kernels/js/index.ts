/**
 * The js backend: plain TypeScript reference kernels, the definition of correct for every other
 * backend. The loops index arrays only through `[]` and keep their long sums in float64, so they
 * run unchanged on Float64Array storage; the gradient-check harness relies on that (see
 * src/tensor/gradcheck.ts).
 */
import type { Backend } from '../backend.js';
import { attention, attentionBackward, rope } from './attention.js';
import { binary, dropout, sumToStrides, unary, unaryBackward, where } from './elementwise.js';
import { gemm } from './gemm.js';
import { copyRows, gather, permute, reduce, scatterAdd } from './layout.js';
import { layerNorm, layerNormBackward, rmsNorm, rmsNormBackward } from './norms.js';
import { adamw, sumSquares } from './optim.js';
import {
  crossEntropy,
  crossEntropyBackward,
  logSoftmax,
  logSoftmaxBackward,
  softmax,
  softmaxBackward,
} from './softmax.js';

export const jsBackend: Backend = {
  name: 'js',
  gemm,
  unary,
  unaryBackward,
  binary,
  sumToStrides,
  where,
  dropout,
  reduce,
  permute,
  copyRows,
  gather,
  scatterAdd,
  softmax,
  softmaxBackward,
  logSoftmax,
  logSoftmaxBackward,
  crossEntropy,
  crossEntropyBackward,
  layerNorm,
  layerNormBackward,
  rmsNorm,
  rmsNormBackward,
  rope,
  attention,
  attentionBackward,
  adamw,
  sumSquares,
};
