/**
 * Gradient check against central finite differences, in float64.
 *
 * How float64 works here: the js kernels only index arrays with `[]` and accumulate in JS numbers,
 * so they compute in double when handed Float64Array storage. While a check runs, the buffer pool
 * hands out Float64Array (typed as Float32Array — the one place that type is stretched) and the
 * backend is forced to js; every op, the tape and the backward closures then run in float64
 * unchanged. So the check exercises the real tensor layer and the real js kernels, not a mirror,
 * and tolerances can be tight (float32 would need ~1e-2 steps and loose bounds that hide bugs).
 *
 * The output is reduced to a scalar with fixed random weights w (L = Σ w ⊙ f(x)), so every output
 * element's gradient is checked, not just their sum.
 */
import { getBackend, jsBackend, setBackend } from '../kernels/index.js';
import { pool } from '../kernels/pool.js';
import { Rng } from '../util/rng.js';
import { backward, noGrad } from './autograd.js';
import { tensor } from './creation.js';
import { mul } from './ops/elementwise.js';
import { sum } from './ops/reduce.js';
import { scope } from './scope.js';
import type { Tensor } from './tensor.js';

export interface GradcheckInput {
  shape: number[];
  values: number[];
  /** Default true; false for inputs that are constants of the function. */
  requiresGrad?: boolean;
}

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Pass when |analytic − numeric| ≤ atol + rtol·|numeric| (defaults 1e-7, 1e-5). */
  atol?: number;
  rtol?: number;
  /** Seed of the output weights w. */
  seed?: number;
}

export interface GradcheckResult {
  ok: boolean;
  /** Largest |analytic − numeric| / (atol + rtol·|numeric|); ≤ 1 passes. */
  worstRatio: number;
  /** Where the worst element is: which input, which flat index, both gradients. */
  worst: { input: number; index: number; analytic: number; numeric: number } | null;
}

/** Runs fn in float64 on the js backend (see the module comment). */
function withFloat64<T>(fn: () => T): T {
  const prevBackend = getBackend();
  const prevF64 = pool.isFloat64Storage();
  setBackend(jsBackend);
  pool.setFloat64Storage(true);
  try {
    return fn();
  } finally {
    pool.setFloat64Storage(prevF64);
    setBackend(prevBackend);
  }
}

/** Random input values in [lo, hi) (a helper for tests). */
export function randomInput(shape: number[], rng: Rng, lo = -1, hi = 1, requiresGrad = true): GradcheckInput {
  let n = 1;
  for (const d of shape) n *= d;
  const values: number[] = [];
  for (let i = 0; i < n; i++) values.push(lo + (hi - lo) * rng.uniform());
  return { shape, values, requiresGrad };
}

/** Checks the gradients of every input with requiresGrad of `fn` (see the module comment). */
export function gradcheck(
  fn: (xs: Tensor[]) => Tensor,
  inputs: GradcheckInput[],
  opts: GradcheckOptions = {},
): GradcheckResult {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-7;
  const rtol = opts.rtol ?? 1e-5;
  return withFloat64(() =>
    scope(() => {
      const xs = inputs.map((s) => tensor(s.values, s.shape, { requiresGrad: s.requiresGrad !== false }));
      const rng = new Rng(opts.seed ?? 1234);
      // analytic: L = Σ w ⊙ f(x)
      const y = fn(xs);
      const w: number[] = [];
      for (let i = 0; i < y.size; i++) w.push(rng.uniform() * 2 - 1);
      const loss = sum(mul(y, tensor(w, y.shape)));
      backward(loss);
      const analytic = xs.map((x) => (x.grad === null ? null : Float64Array.from(x.grad)));
      const evalL = (): number =>
        noGrad(() =>
          scope(() => {
            const out = fn(xs);
            let s = 0;
            for (let i = 0; i < out.size; i++) s += w[i] * out.data[i];
            return s;
          }),
        );
      let worstRatio = 0;
      let worst: GradcheckResult['worst'] = null;
      for (let xi = 0; xi < xs.length; xi++) {
        const x = xs[xi];
        if (!x.requiresGrad) continue;
        for (let i = 0; i < x.size; i++) {
          const orig = x.data[i];
          x.data[i] = orig + eps;
          const lp = evalL();
          x.data[i] = orig - eps;
          const lm = evalL();
          x.data[i] = orig;
          const numeric = (lp - lm) / (2 * eps);
          const a = analytic[xi] === null ? 0 : analytic[xi]![i];
          const ratio = Math.abs(a - numeric) / (atol + rtol * Math.abs(numeric));
          if (worst === null || !(ratio <= worstRatio)) {
            worstRatio = Number.isNaN(ratio) ? Number.POSITIVE_INFINITY : ratio;
            worst = { input: xi, index: i, analytic: a, numeric };
          }
        }
      }
      return { ok: worstRatio <= 1, worstRatio, worst };
    }),
  );
}
