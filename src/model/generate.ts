/**
 * Batched sampling with a KV cache: the rollout engine of RLHF (most of a PPO run's time).
 *
 * Prompts of different lengths are left-padded into one batch; the decoder masks the padding and
 * counts each row's positions from its own first token, so a row generates what it would alone.
 * The prompt is fed in one pass, then one token per row per step. Each row draws from its own
 * seeded generator, so a seed reproduces every row exactly. Rows that finish (a stop token) keep
 * their place in the batch until all are done; nothing big is allocated per token.
 */

import { getBackend } from '../kernels/index.js';
import { nativeInfo, setNativeThreads } from '../kernels/native/index.js';
import * as T from '../tensor/index.js';
import { decodeContinuation, type Tokenizer } from '../tokenizer/tokenizer.js';
import { Rng } from '../util/rng.js';
import { Decoder } from './decoder.js';
import { checkSamplerOptions, pickToken, rowProbabilities, SamplerScratch } from './sampler.js';
import type { Transformer } from './transformer.js';

export interface GenerateOptions {
  /** Most tokens to generate per row (clamped so that prompt + output fits the context). */
  maxNew: number;
  /** Always take the most likely token. */
  greedy?: boolean;
  /** Default 1. */
  temperature?: number;
  /** 0 = off (default). */
  topK?: number;
  /** 1 = off (default). */
  topP?: number;
  /** Generation of a row ends after it samples one of these (the stop token is kept in `ids`). */
  stopIds?: readonly number[];
  /** Default 0: row b draws from a generator seeded `rowSeed(seed, b)`. */
  seed?: number;
  /**
   * Each row's own generator seed, instead of `seed`'s: a row then draws the same numbers in any
   * batch, so callers may batch and order rows as speed wants (one entry per prompt).
   */
  rowSeeds?: readonly number[];
}

export interface Generation {
  /** Generated ids, prompt excluded, stop token included when one ended the row. */
  ids: number[];
  /** log p of each generated id under softmax(logits / temperature) (temperature 1 when greedy). */
  logProbs: number[];
  finishReason: 'stop' | 'length';
  /** Decoded continuation without the stop token ('' when no tokenizer was given). */
  text: string;
}

/**
 * The decoder of the model that sampled last, reused while that model samples again (every
 * iteration of a PPO run, every batch of an evaluation). One only: sized for 128-row calls on the
 * demo's model, a decoder holds about 140 MB (its KV cache and the prompt pass's row buffers), and
 * a pipeline that samples six models in turn kept all six while they lived.
 */
let last: { model: Transformer; decoder: Decoder } | null = null;

/** Finished rows are dropped from the batch once the unfinished ones are at most this share of it. */
const COMPACT_BELOW = 0.75;

/**
 * Below this many FLOPs per decoding step (≈ 2 · parameters · rows), a step is ~80 kernel calls
 * of a few microseconds each, and waking a second thread for each costs more than it saves
 * (on a busy 2-core machine, several times more): such steps run on one thread.
 */
const ONE_THREAD_BELOW_FLOPS = 32e6;

function withDecodeThreads<R>(flopsPerStep: number, fn: () => R): R {
  if (getBackend().name !== 'native' || flopsPerStep >= ONE_THREAD_BELOW_FLOPS) return fn();
  const before = nativeInfo().threads;
  if (before <= 1) return fn();
  setNativeThreads(1);
  try {
    return fn();
  } finally {
    setNativeThreads(before);
  }
}

/** A decoder big enough for B rows of `len` positions, reused across calls for the same model. */
function decoderFor(model: Transformer, B: number, len: number): Decoder {
  const have = last?.model === model ? last.decoder : null;
  if (have && have.maxBatch >= B && have.maxLen >= len) return have;
  const decoder = new Decoder(model, Math.max(B, have?.maxBatch ?? 0), Math.max(len, have?.maxLen ?? 0));
  last = { model, decoder };
  return decoder;
}

/**
 * The generator seed of row b of a call with `seed`. Callers that batch rows their own way pass it
 * as `rowSeeds` to draw exactly what a call of their own rows alone would.
 */
export function rowSeed(seed: number, b: number): number {
  return seed * 1_000_003 + b;
}

export function generate(
  model: Transformer,
  prompts: readonly (readonly number[])[],
  options: GenerateOptions,
  tokenizer: Tokenizer | null = null,
): Generation[] {
  const c = model.config;
  const sampler = {
    greedy: options.greedy ?? false,
    temperature: options.temperature ?? 1,
    topK: options.topK ?? 0,
    topP: options.topP ?? 1,
  };
  checkSamplerOptions(sampler);
  const B = prompts.length;
  if (B === 0) return [];
  prompts.forEach((p, b) => {
    if (p.length === 0)
      throw new Error(`generate: prompt ${b} is empty (start it with BOS or another token)`);
  });
  const Tp = Math.max(...prompts.map((p) => p.length));
  if (Tp > c.contextLength)
    throw new Error(`generate: a prompt of ${Tp} tokens exceeds the context length ${c.contextLength}`);
  const maxNew = Math.max(0, Math.min(options.maxNew, c.contextLength - Tp + 1));
  const stop = new Set(options.stopIds ?? []);
  const seed = options.seed ?? 0;
  if (options.rowSeeds && options.rowSeeds.length !== B)
    throw new Error(`generate: ${options.rowSeeds.length} row seeds for ${B} prompts`);

  const out: Generation[] = prompts.map(() => ({ ids: [], logProbs: [], finishReason: 'length', text: '' }));
  if (maxNew > 0) {
    const decoder = decoderFor(model, B, Tp + maxNew - 1);
    const start = new Int32Array(B);
    const padded = new Int32Array(B * Tp);
    prompts.forEach((p, b) => {
      start[b] = Tp - p.length;
      padded.fill(p[0], b * Tp, b * Tp + start[b]); // any valid id: padding is masked out
      padded.set(p, b * Tp + start[b]);
    });
    const rngs = prompts.map((_, b) => new Rng(options.rowSeeds?.[b] ?? rowSeed(seed, b)));
    const scratch = new SamplerScratch(c.vocabSize);
    const done = new Uint8Array(B);
    // decoder row j holds prompt rowOf[j]; finished rows are compacted away once they are many
    let rowOf = Array.from({ length: B }, (_, b) => b);
    const next = new Int32Array(B);
    const V = c.vocabSize;
    const flopsPerStep = 2 * model.parameterCount() * B;
    withDecodeThreads(flopsPerStep, () =>
      T.noGrad(() => {
        decoder.begin(B, start);
        let logits = decoder.forward(padded, Tp);
        const be = getBackend();
        for (let step = 0; step < maxNew; step++) {
          const probs = rowProbabilities(be, logits, rowOf.length, sampler, scratch);
          let active = 0;
          for (let j = 0; j < rowOf.length; j++) {
            const b = rowOf[j];
            if (done[b]) continue;
            const row = logits.subarray(j * V, (j + 1) * V);
            const { id, logProb } = pickToken(
              row,
              probs.subarray(j * V, (j + 1) * V),
              sampler,
              rngs[b],
              scratch,
            );
            out[b].ids.push(id);
            out[b].logProbs.push(logProb);
            next[j] = id;
            if (stop.has(id)) {
              out[b].finishReason = 'stop';
              done[b] = 1;
            } else active++;
          }
          if (active === 0 || step === maxNew - 1) break;
          if (active <= rowOf.length * COMPACT_BELOW) {
            const keep = rowOf.map((b, j) => (done[b] ? -1 : j)).filter((j) => j >= 0);
            decoder.compact(keep);
            keep.forEach((j, i) => {
              next[i] = next[j];
            });
            rowOf = keep.map((j) => rowOf[j]);
          }
          logits = decoder.forward(next.subarray(0, rowOf.length), 1);
        }
      }),
    );
  }
  if (tokenizer !== null) {
    out.forEach((g, b) => {
      const body = g.finishReason === 'stop' ? g.ids.slice(0, -1) : g.ids;
      g.text = decodeContinuation(tokenizer, prompts[b], body);
    });
  }
  return out;
}
