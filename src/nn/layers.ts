/** The basic layers: Linear, Embedding, LayerNorm, RMSNorm, Dropout. Init draws from a seeded Rng. */
import { full, rand, randn } from '../tensor/creation.js';
import { dropout } from '../tensor/ops/dropout.js';
import { embedding } from '../tensor/ops/embedding.js';
import { linear } from '../tensor/ops/linear.js';
import { layerNorm, rmsNorm } from '../tensor/ops/norm.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../util/rng.js';
import { Module } from './module.js';

export interface LinearOptions {
  bias?: boolean;
  /** Normal(0, std) weights (GPT-2 uses 0.02); default PyTorch's uniform ±1/√in. */
  std?: number;
}

/** y = x·Wᵀ + b with W (out, in), as in PyTorch (the matmul uses the transB flag, no transpose). */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    rng: Rng,
    opts: LinearOptions = {},
  ) {
    super();
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = this.param(
      'weight',
      opts.std === undefined
        ? rand([outFeatures, inFeatures], rng, -bound, bound)
        : randn([outFeatures, inFeatures], rng, opts.std),
    );
    this.bias = opts.bias === false ? null : this.param('bias', full([outFeatures], 0));
  }

  /** (..., in) → (..., out) */
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

/** A table of `num` vectors of `dim`; forward gathers rows by id. */
export class Embedding extends Module {
  readonly weight: Tensor;

  /** std: Normal(0, std) init (default 1, PyTorch's; GPT-2 uses 0.02). */
  constructor(
    readonly num: number,
    readonly dim: number,
    rng: Rng,
    std = 1,
  ) {
    super();
    this.weight = this.param('weight', randn([num, dim], rng, std));
  }

  /** ids (of idsShape) → (...idsShape, dim) */
  forward(ids: Int32Array, idsShape?: Shape): Tensor {
    return embedding(this.weight, ids, idsShape);
  }
}

export class LayerNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly eps: number;

  constructor(dim: number, opts: { eps?: number; bias?: boolean } = {}) {
    super();
    this.eps = opts.eps ?? 1e-5;
    this.weight = this.param('weight', full([dim], 1));
    this.bias = opts.bias === false ? null : this.param('bias', full([dim], 0));
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}

export class RMSNorm extends Module {
  readonly weight: Tensor;
  readonly eps: number;

  constructor(dim: number, opts: { eps?: number } = {}) {
    super();
    this.eps = opts.eps ?? 1e-5;
    this.weight = this.param('weight', full([dim], 1));
  }

  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.weight, this.eps);
  }
}

/** Inverted dropout in training mode, identity in eval mode; masks come from its own seeded Rng. */
export class Dropout extends Module {
  constructor(
    readonly p: number,
    private readonly rng: Rng,
  ) {
    super();
    if (!(p >= 0 && p < 1)) throw new Error(`Dropout: p must be in [0, 1), got ${p}`);
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.rng, this.training);
  }
}
