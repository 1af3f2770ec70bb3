/**
 * Reverse-mode autodiff. An op that has an input requiring gradients records, on its output, a
 * closure (forward and backward sit side by side in the op's file), the inputs it read, and any other
 * tensors the closure reads (saved statistics, masks, probabilities).
 * `backward(loss)` orders the recorded graph reachable from the loss (reverse topological order —
 * the tape of this step), seeds ∂loss/∂loss = 1, and runs each closure once; the closures
 * accumulate (+=) into their inputs' `grad`. Afterwards the graph is freed: closures are dropped
 * and the gradient buffers of intermediate tensors go back to the pool as soon as they have been
 * consumed, so only leaf gradients (parameters, inputs) remain.
 */
import { pool } from '../kernels/pool.js';
import { fmt } from './shape.js';
import type { Tensor } from './tensor.js';

let gradEnabled = true;

/** Whether ops currently record the graph (false inside noGrad). */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn without recording gradients (inference, evaluation, rollouts). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** True when an op on these inputs must record its backward pass. */
export function needsGrad(a: Tensor, b?: Tensor | null, c?: Tensor | null): boolean {
  if (!gradEnabled) return false;
  return a.requiresGrad || b?.requiresGrad === true || c?.requiresGrad === true;
}

/** Attaches the backward closure and the inputs to an op's output (call only when needsGrad). */
export function record(out: Tensor, parents: Tensor[], backwardFn: () => void): void {
  out.requiresGrad = true;
  out.parents = parents;
  out.backwardFn = backwardFn;
}

/**
 * Declares the tensors other than its parents that out's backward closure reads (saved statistics,
 * masks, probabilities; call after record). backward then refuses, naming `op`, to run a graph in
 * which one of them was released by scope()/dispose(), instead of reading freed memory.
 */
export function saveForBackward(out: Tensor, op: string, ...tensors: Tensor[]): void {
  out.saved = { op, tensors };
}

/** t.grad, allocated as zeros on first use (backward closures accumulate into it). */
export function gradOf(t: Tensor): Float32Array {
  let g = t.grad;
  if (g === null) {
    g = pool.allocZeroed(t.size);
    t.grad = g;
  }
  return g;
}

/** True while a backward pass runs with retainGrads (gradients must not be moved between tensors). */
let retaining = false;

/**
 * Gives out's gradient buffer to x when x has no gradient yet and the two have the same size: the
 * cheapest dX += dOut there is (no zero-fill, no pass over memory). Only for the last use of out.grad
 * in a backward closure; returns false when it cannot move (the caller then accumulates).
 */
export function moveGrad(out: Tensor, x: Tensor): boolean {
  if (x.grad !== null || retaining || out.grad === null || x.size !== out.size || x === out) return false;
  x.grad = out.grad;
  out.grad = null;
  return true;
}

export interface BackwardOptions {
  /** ∂L/∂loss, same size as loss; default 1 (loss must then have one element). */
  seed?: Float32Array | number[];
  /** Keep the grads of intermediate tensors (debugging; they are not released to the pool). */
  retainGrads?: boolean;
}

/**
 * Computes ∂loss/∂t into t.grad for every tensor with requiresGrad that loss depends on
 * (accumulating into existing leaf gradients, as gradient accumulation needs). The graph can be
 * backpropagated once; it is freed afterwards.
 */
export function backward(loss: Tensor, opts: BackwardOptions = {}): void {
  loss.assertLive('backward', 'loss');
  if (!loss.requiresGrad) {
    throw new Error(
      `backward: loss ${fmt(loss.shape)} does not require grad (computed under noGrad, or from tensors without requiresGrad)`,
    );
  }
  const order = topoOrder(loss);
  const dLoss = gradOf(loss);
  if (opts.seed !== undefined) {
    if (opts.seed.length !== loss.size) {
      throw new Error(
        `backward: seed has ${opts.seed.length} elements but loss ${fmt(loss.shape)} has ${loss.size}`,
      );
    }
    for (let i = 0; i < loss.size; i++) dLoss[i] += opts.seed[i];
  } else {
    if (loss.size !== 1) {
      throw new Error(`backward: loss ${fmt(loss.shape)} is not a scalar; pass opts.seed (∂L/∂loss)`);
    }
    dLoss[0] += 1;
  }
  retaining = opts.retainGrads === true;
  try {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const fn = t.backwardFn!;
      t.backwardFn = null;
      t.parents = null;
      t.saved = null;
      if (t.grad === null) continue; // nothing flowed here
      fn();
      // the gradient of an intermediate tensor is consumed: recycle it (moveGrad may have passed it on)
      if (!retaining && t.grad !== null) {
        pool.release(t.grad);
        t.grad = null;
      }
    }
  } finally {
    retaining = false;
  }
}

/** Throws when a tensor t's backward closure reads (besides its parents) was released. */
function checkSaved(t: Tensor): void {
  const saved = t.saved;
  if (saved === null) return;
  for (const s of saved.tensors) {
    let x: Tensor | null = s;
    while (x !== null && !x.released) x = x.base;
    if (x !== null) {
      throw new Error(
        `backward: ${saved.op} saved a tensor ${fmt(s.shape)} for its backward pass that was released by scope()/dispose(); call backward inside the scope that built the graph`,
      );
    }
  }
}

/**
 * The non-leaf tensors reachable from root, parents before children (iterative DFS, post-order).
 * Throws before any gradient is computed when the graph reads a released tensor.
 */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  if (root.backwardFn === null) return order;
  checkSaved(root);
  const visited = new Set<Tensor>();
  const stack: Tensor[] = [root];
  const childIndex: number[] = [0];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack.length - 1;
    const t = stack[top];
    const parents = t.parents!;
    const i = childIndex[top];
    if (i < parents.length) {
      childIndex[top] = i + 1;
      const p = parents[i];
      if (p.released) {
        throw new Error(
          `backward: the graph reads a tensor ${fmt(p.shape)} released by scope()/dispose(); call backward inside the scope that built the graph`,
        );
      }
      if (p.backwardFn !== null && !visited.has(p)) {
        checkSaved(p);
        visited.add(p);
        stack.push(p);
        childIndex.push(0);
      }
    } else {
      stack.pop();
      childIndex.pop();
      order.push(t);
    }
  }
  return order;
}
