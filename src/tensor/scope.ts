/**
 * Memory scopes: `scope(fn)` releases, when fn returns, every tensor created while it ran (their data
 * and gradient buffers go back to the pool), except the tensors fn returns and those passed to `keep`.
 *
 * A training step is written as
 *   const loss = scope(() => { const l = model.loss(x, y); backward(l); return l.item(); });
 *   clipGradNorm(params, 1); opt.step(); opt.zeroGrad();
 * so every activation, temporary and intermediate gradient of the step is recycled and RSS stays flat.
 * Parameters are created outside any scope and are never released by one; their gradients live on.
 * Outside any scope nothing is tracked and unused tensors are left to the garbage collector.
 * Using a released tensor in an op throws (`… was released by scope()`), and so does backward on a
 * graph that reads one: an input of an op, or a tensor an op saved for its backward pass (norm
 * statistics, dropout mask, attention probabilities) — call backward inside the scope that built it.
 */
import type { Tensor } from './tensor.js';

const stack: Tensor[][] = [];

/** Called by the Tensor constructor: records t in the innermost open scope. */
export function track(t: Tensor): void {
  if (stack.length > 0) stack[stack.length - 1].push(t);
}

/** Exempts t (and the tensor it is a view of) from release by the enclosing scopes. */
export function keep<T extends Tensor>(t: T): T {
  let x: Tensor | null = t;
  while (x !== null) {
    x.kept = true;
    x = x.base;
  }
  return t;
}

/** Collects the tensors in fn's return value: a Tensor, or an array / plain object of them (one level). */
function returnedTensors(value: unknown, into: Set<Tensor>, isTensor: (v: unknown) => v is Tensor): void {
  const add = (t: Tensor): void => {
    let x: Tensor | null = t;
    while (x !== null) {
      into.add(x);
      x = x.base;
    }
  };
  if (isTensor(value)) add(value);
  else if (Array.isArray(value)) {
    for (const v of value) if (isTensor(v)) add(v);
  } else if (
    value !== null &&
    typeof value === 'object' &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    for (const v of Object.values(value)) if (isTensor(v)) add(v);
  }
}

let isTensorFn: ((v: unknown) => v is Tensor) | null = null;
let releaseFn: ((t: Tensor) => void) | null = null;

/** Wiring from tensor.ts (avoids an import cycle at module load). */
export function installScopeHooks(isTensor: (v: unknown) => v is Tensor, release: (t: Tensor) => void): void {
  isTensorFn = isTensor;
  releaseFn = release;
}

/** Runs fn; releases the tensors it created except its returned tensors (see the module comment). */
export function scope<T>(fn: () => T): T {
  const list: Tensor[] = [];
  stack.push(list);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    stack.pop();
    for (const t of list) if (!t.kept) releaseFn!(t);
    throw e;
  }
  stack.pop();
  if (result instanceof Promise) {
    throw new Error(
      'scope: fn returned a Promise; scopes are synchronous (await outside, or split the work)',
    );
  }
  const survivors = new Set<Tensor>();
  returnedTensors(result, survivors, isTensorFn!);
  const parent = stack.length > 0 ? stack[stack.length - 1] : null;
  for (const t of list) {
    if (t.kept) continue;
    if (survivors.has(t)) {
      if (parent !== null) parent.push(t);
    } else {
      releaseFn!(t);
    }
  }
  return result;
}
