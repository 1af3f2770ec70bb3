/**
 * AdamW (Loshchilov & Hutter): Adam with decoupled weight decay. Per parameter p with gradient g,
 * at step t (from 1):
 *   m = β1·m + (1−β1)·g            v = β2·v + (1−β2)·g²
 *   m̂ = m/(1−β1ᵗ)                  v̂ = v/(1−β2ᵗ)
 *   p = p − lr·(m̂/(√v̂ + eps) + wd·p)
 * The loop over elements is the backend's `adamw` kernel; this file owns the state and the loop
 * over parameters. Weight decay applies to matrices (rank ≥ 2) by default, not to biases and norm
 * gains (nanoGPT's convention); pass `decay` to choose.
 */
import { getBackend } from '../kernels/index.js';
import type { Tensor } from '../tensor/tensor.js';

export interface AdamWOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /** Which parameters get weight decay; default: rank ≥ 2. */
  decay?: (name: string, p: Tensor) => boolean;
}

export interface AdamWState {
  step: number;
  m: Map<string, Float32Array>;
  v: Map<string, Float32Array>;
}

export class AdamW {
  /** Learning rate of the next step (set it from a schedule before each step). */
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** Steps taken so far. */
  stepCount = 0;
  private readonly named: [string, Tensor][];
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private readonly decays: boolean[];

  /** params: named parameters (module.namedParameters()) or a plain list (named by index). */
  constructor(params: [string, Tensor][] | Tensor[], opts: AdamWOptions = {}) {
    this.named = params.map((p, i) => (Array.isArray(p) ? p : ([String(i), p] as [string, Tensor])));
    this.lr = opts.lr ?? 1e-3;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0.01;
    const decay = opts.decay ?? ((_n: string, p: Tensor) => p.rank >= 2);
    this.m = this.named.map(([, p]) => new Float32Array(p.size));
    this.v = this.named.map(([, p]) => new Float32Array(p.size));
    this.decays = this.named.map(([n, p]) => decay(n, p));
  }

  /** One update of every parameter that has a gradient. */
  step(): void {
    this.stepCount++;
    const be = getBackend();
    for (let i = 0; i < this.named.length; i++) {
      const p = this.named[i][1];
      if (p.grad === null) continue;
      const wd = this.decays[i] ? this.weightDecay : 0;
      be.adamw(
        p.data,
        p.grad,
        this.m[i],
        this.v[i],
        p.size,
        this.lr,
        this.beta1,
        this.beta2,
        this.eps,
        wd,
        this.stepCount,
      );
    }
  }

  /** Sets every gradient to zero (the buffers are kept for the next step). */
  zeroGrad(): void {
    for (const [, p] of this.named) if (p.grad !== null) p.grad.fill(0);
  }

  /** Copies of the moment estimates by parameter name, and the step count (for checkpoints). */
  stateDict(): AdamWState {
    const m = new Map<string, Float32Array>();
    const v = new Map<string, Float32Array>();
    this.named.forEach(([n], i) => {
      m.set(n, Float32Array.from(this.m[i]));
      v.set(n, Float32Array.from(this.v[i]));
    });
    return { step: this.stepCount, m, v };
  }

  loadStateDict(state: AdamWState): void {
    this.named.forEach(([n, p], i) => {
      const m = state.m.get(n);
      const v = state.v.get(n);
      if (m === undefined || v === undefined) throw new Error(`AdamW.loadStateDict: no state for '${n}'`);
      if (m.length !== p.size || v.length !== p.size) {
        throw new Error(
          `AdamW.loadStateDict: '${n}' state has ${m.length}/${v.length} values, parameter has ${p.size}`,
        );
      }
      this.m[i].set(m);
      this.v[i].set(v);
    });
    this.stepCount = state.step;
  }
}
