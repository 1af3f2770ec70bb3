/**
 * rein's tensor layer: a float32 Tensor, reverse-mode autograd, memory scopes, and the ops.
 *
 *   import * as T from '../tensor/index.js';
 *   const loss = T.scope(() => {
 *     const logits = T.linear(T.embedding(wte, ids, [B, Tt]), head);   // (B, T, V)
 *     const l = T.crossEntropy(logits, targets);
 *     T.backward(l);
 *     return l.item();
 *   });
 *
 * Ops are functions (forward and backward side by side in ./ops/<family>.ts). Every tensor is
 * contiguous row-major; reshape is a free view; matmul takes transpose flags instead of transposes.
 */
export { type BackwardOptions, backward, isGradEnabled, noGrad } from './autograd.js';
export {
  arange,
  type CreateOptions,
  clone,
  detach,
  empty,
  full,
  type NestedNumbers,
  ones,
  poolStats,
  rand,
  randn,
  tensor,
  zeros,
} from './creation.js';
export { type AttentionOptions, attention, KVCache, rope } from './ops/attention.js';
export { dropout } from './ops/dropout.js';
export {
  abs,
  add,
  addScalar,
  clamp,
  div,
  exp,
  gelu,
  log,
  maximum,
  minimum,
  mul,
  neg,
  pow,
  relu,
  rsqrt,
  scale,
  sigmoid,
  silu,
  sqrt,
  square,
  sub,
  tanh,
} from './ops/elementwise.js';
export { embedding } from './ops/embedding.js';
export { concat, expand, permute, reshape, slice, squeeze, transpose, unsqueeze } from './ops/layout.js';
export { linear } from './ops/linear.js';
export { type CrossEntropyOptions, crossEntropy } from './ops/loss.js';
export { type MatmulOptions, matmul } from './ops/matmul.js';
export { layerNorm, rmsNorm } from './ops/norm.js';
export { argmax, max, mean, sum } from './ops/reduce.js';
export { logSoftmax, softmax } from './ops/softmax.js';
export { maskedFill, where } from './ops/where.js';
export { keep, scope } from './scope.js';
export { fmt as formatShape, type Shape } from './shape.js';
export { isTensor, Tensor } from './tensor.js';
