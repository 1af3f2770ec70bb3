/**
 * The generation benchmark: the workload of shared/bench/torch_reference.py `generate` on rein.
 * A model of the given shape (random weights, untied classifier, as the reference), or a real
 * checkpoint; `batch` random prompts of 8 tokens; `new` tokens sampled per row at temperature 1
 * through the KV-cache decoder (prompt pass + new−1 single-token steps, sampling included).
 * Result: batch·new / the median seconds of the timed iterations.
 */
import { getBackend, setBackend } from '../kernels/index.js';
import { loadModel } from '../model/checkpoint.js';
import type { ModelConfig } from '../model/config.js';
import { generate } from '../model/generate.js';
import { Transformer } from '../model/transformer.js';
import { Rng } from '../util/rng.js';
import { formatProfile, profileBackend } from './profile.js';
import { benchModelConfig, type ModelShape, median } from './shape.js';

export interface GenerateBenchOptions extends ModelShape {
  batch: number;
  /** Tokens generated per row. */
  new: number;
  /** Timed iterations (the reference runs max(1, steps / 4) of them). */
  steps: number;
  warmup: number;
  seed: number;
  /** A real model to load instead of random weights (shape flags are then ignored). */
  model: string | null;
  profile: boolean;
}

export interface GenerateBenchResult {
  config: ModelConfig;
  params: number;
  /** Median seconds of one timed iteration. */
  seconds: number;
  tokensPerS: number;
  iterationSeconds: number[];
  profile: string | null;
}

/** Prompt length of the reference workload. */
export const PROMPT_TOKENS = 8;

export function benchGenerate(o: GenerateBenchOptions): GenerateBenchResult {
  const rng = new Rng(o.seed);
  const model = o.model !== null ? loadModel(o.model).model : Transformer.init(benchModelConfig(o), rng);
  const config = model.config;
  if (PROMPT_TOKENS + o.new - 1 > config.contextLength) {
    throw new Error(
      `bench generate: ${PROMPT_TOKENS} prompt + ${o.new} new tokens exceed the context ${config.contextLength}`,
    );
  }
  const iterations = Math.max(1, Math.floor(o.steps / 4));
  const inner = getBackend();
  const profiler = o.profile ? profileBackend(inner) : null;
  if (profiler !== null) setBackend(profiler.backend);
  const times: number[] = [];
  try {
    for (let it = 0; it < o.warmup + iterations; it++) {
      const prompts = Array.from({ length: o.batch }, () =>
        Array.from({ length: PROMPT_TOKENS }, () => rng.int(config.vocabSize)),
      );
      if (it === o.warmup) profiler?.reset();
      const t0 = performance.now();
      generate(model, prompts, { maxNew: o.new, temperature: 1, seed: o.seed + it });
      const s = (performance.now() - t0) / 1000;
      if (it >= o.warmup) times.push(s);
    }
  } finally {
    if (profiler !== null) setBackend(inner);
  }
  const seconds = median(times);
  return {
    config,
    params: model.parameterCount(),
    seconds,
    tokensPerS: (o.batch * o.new) / seconds,
    iterationSeconds: times,
    profile: profiler === null ? null : formatProfile(profiler.rows(), iterations, seconds * 1000),
  };
}
