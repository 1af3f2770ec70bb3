/**
 * rein's tensor layer: a float32 Tensor, reverse-mode autograd, memory scopes, and the ops.
 *
 * Ops are functions (forward and backward side by side in ./ops/<family>.ts); every tensor is
 * contiguous row-major; reshape is a free view; matmul/linear take transpose flags, never transposes.
 *
 * A training step (the whole memory story in four lines):
 *
 *   const lossValue = T.scope(() => {             // everything created inside is recycled at the end
 *     const loss = model.loss(ids, targets);      // forward: ops record the graph
 *     T.backward(loss);                           // grads accumulate into parameters' .grad
 *     return loss.item();                         // return numbers (or tensors you still need)
 *   });
 *   clipGradNorm(params, 1); opt.step(); opt.zeroGrad();
 *
 * - `backward` frees the graph as it goes (intermediate gradients return to the pool at once).
 * - `scope` releases activations, temporaries and saved statistics of the step to the buffer pool
 *   (src/kernels/pool.ts); returned tensors survive (moved to the enclosing scope), `keep(t)` exempts
 *   one, `t.dispose()` releases one by hand. Parameters and KV caches are created outside scopes.
 * - Using a released tensor throws; so does backward on a graph whose scope has ended (any tensor the
 *   graph reads was released: an op's input, or one an op saved for backward — autograd.ts saveForBackward).
 * - `noGrad(fn)` for inference: nothing is recorded (combine with scope in generation loops).
 * - Outside any scope nothing is tracked: tensors are ordinary garbage-collected objects.
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
  releaseFreeBuffers,
  tensor,
  zeros,
} from './creation.js';
export { type AttentionOptions, attention, KVCache, rope } from './ops/attention.js';
export { type DivergenceOptions, generalizedJsd } from './ops/divergence.js';
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
export {
  concat,
  expand,
  permute,
  reshape,
  slice,
  squeeze,
  transpose,
  unsqueeze,
  view,
} from './ops/layout.js';
export { linear } from './ops/linear.js';
export { type CrossEntropyOptions, crossEntropy } from './ops/loss.js';
export { lowRankLinear } from './ops/low-rank-linear.js';
export { type MatmulOptions, matmul } from './ops/matmul.js';
export { layerNorm, rmsNorm } from './ops/norm.js';
export { argmax, max, mean, sum } from './ops/reduce.js';
export { logSoftmax, softmax } from './ops/softmax.js';
export { maskedFill, where } from './ops/where.js';
export { keep, scope } from './scope.js';
export { fmt as formatShape, type Shape } from './shape.js';
export { isTensor, Tensor } from './tensor.js';
