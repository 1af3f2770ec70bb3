/**
 * Rollouts as one left-padded batch: each row is [padding][prompt][response][padding], with
 * every response starting in the same column Tp; per-token quantities of all rows are the
 * response layout (B, L) that GAE and the losses use. The models read the rollouts packed
 * (packed-rollouts.ts), and what they give back comes home to that layout.
 *
 * Also the steps every on-policy method (PPO, GRPO) takes on such a batch: sampling it, its log-probs
 * with and without gradients, the texts a judge reads, and the hooks a trainer offers around them
 * (its rewards: reward-function.ts).
 */
import { type Generation, generate } from '../../model/generate.js';
import { withoutAdapters } from '../../model/lora.js';
import type { TokenBatch, Transformer } from '../../model/transformer.js';
import * as T from '../../tensor/index.js';
import { chatResponseText, chatStopIds, encodeChat } from '../../tokenizer/chat-template.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import { roundUp } from './batch.js';
import { packAll, packedLogProbs } from './packed-rollouts.js';
import type { RunLog } from './run-log.js';

export interface RolloutBatch extends TokenBatch {
  /** Column of every row's first response token (= the longest prompt). */
  Tp: number;
  /** Longest response: the response layout is (B, L). */
  L: number;
  /** Response tokens per row. */
  lengths: Int32Array;
  /** First real token of each row (Tp − its prompt's length). */
  start: Int32Array;
  /** The id filling the pads (a pass over packed rows pads with it too). */
  padId: number;
}

/**
 * Tp and L are rounded up to multiples of 8 when that fits in `limit` (the model's context), so
 * rollout batches come in few shapes and the buffer pool reuses their activations.
 */
export function rolloutBatch(
  prompts: readonly (readonly number[])[],
  responses: readonly (readonly number[])[],
  padId: number,
  limit = Number.POSITIVE_INFINITY,
): RolloutBatch {
  const B = prompts.length;
  let Tp = Math.max(...prompts.map((p) => p.length));
  let L = Math.max(1, ...responses.map((r) => r.length));
  if (roundUp(Tp, 8) + roundUp(L, 8) <= limit) {
    Tp = roundUp(Tp, 8);
    L = roundUp(L, 8);
  }
  const T = Tp + L;
  const ids = new Int32Array(B * T).fill(padId);
  const start = new Int32Array(B);
  const end = new Int32Array(B);
  const lengths = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    start[b] = Tp - prompts[b].length;
    ids.set(prompts[b], b * T + start[b]);
    ids.set(responses[b], b * T + Tp);
    lengths[b] = responses[b].length;
    end[b] = Tp + Math.max(1, responses[b].length);
  }
  return { ids, B, T, start, end, Tp, L, lengths, padId };
}

/** 1 on real response tokens of the (B, L) layout. */
export function responseMask(batch: RolloutBatch): Float32Array {
  const mask = new Float32Array(batch.B * batch.L);
  for (let b = 0; b < batch.B; b++) mask.fill(1, b * batch.L, b * batch.L + batch.lengths[b]);
  return mask;
}

/** Rows `rows` of a (B, L) response-layout array. */
export function selectResponseRows(x: Float32Array, L: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * L);
  rows.forEach((r, i) => {
    out.set(x.subarray(r * L, (r + 1) * L), i * L);
  });
  return out;
}

/**
 * Σ_t log π(response_t | prompt, response_<t) for each row (no gradients), batch by batch: a
 * response's log-likelihood, as sequence-level KL estimates want it.
 */
export function summedResponseLogProbs(
  model: Transformer,
  prompts: readonly (readonly number[])[],
  responses: readonly (readonly number[])[],
  padId: number,
  temperature = 1,
  batchSize = 64,
): Float64Array {
  const out = new Float64Array(prompts.length);
  const context = model.config.contextLength;
  // generate() may sample one token past the context (the last is drawn, never fed back): such a
  // row is scored with its prompt's first tokens cut, the response whole
  const prompt = (i: number) => {
    const over = prompts[i].length + Math.max(1, responses[i].length) - context;
    if (over <= 0) return prompts[i];
    if (over >= prompts[i].length)
      throw new Error(
        `summedResponseLogProbs: row ${i}: a response of ${responses[i].length} tokens leaves no room in the context of ${context}`,
      );
    return prompts[i].slice(over);
  };
  // (packed, a batch's rows are as wide as its longest rollout: rows that each fit the context fit together)
  const score = (rows: readonly number[]): void => {
    T.scope(() => {
      const batch = rolloutBatch(
        rows.map((i) => prompt(i)),
        rows.map((i) => responses[i]),
        padId,
        context,
      );
      const lp = packedLogProbs(model, packAll(batch), batch.L, temperature).data;
      const mask = responseMask(batch);
      for (const [b, i] of rows.entries()) {
        let sum = 0;
        for (let t = 0; t < batch.L; t++) sum += lp[b * batch.L + t] * mask[b * batch.L + t];
        out[i] = sum;
      }
    });
  };
  T.noGrad(() => {
    for (let s = 0; s < prompts.length; s += batchSize)
      score(Array.from({ length: Math.min(batchSize, prompts.length - s) }, (_, i) => s + i));
  });
  return out;
}

/** What an on-policy trainer (PPO, GRPO) offers around its iterations; `E` is its log entry. */
export interface RlHooks<E> {
  log?: RunLog;
  quiet?: boolean;
  /** Gold judge of sampled responses (the assistant world's): mean gold per iteration is logged. */
  gold?: (promptIndices: readonly number[], responses: readonly string[]) => number[];
  /** Called every `evalEvery` iterations and after the last (e.g. held-out evaluation). */
  onEval?: (iteration: number, policy: Transformer) => Record<string, number>;
  /** Called after each iteration with its metrics. */
  onIteration?: (log: E) => void;
  /**
   * How a prompt becomes the ids a rollout continues (default: the chat template). A base model
   * that was never taught the template (a story model continuing an opening) needs its raw text.
   */
  encodePrompt?: (prompt: string) => number[];
  /** The ids that end a response (default: the chat template's end token). */
  stopIds?: readonly number[];
}

/**
 * How a trainer's rollouts are written: each prompt's ids (the chat template, or the hook's own
 * encoding), the ids that end an answer, and the pad id.
 */
export function rolloutEncoding(
  tok: Tokenizer,
  prompts: readonly string[],
  hooks: Pick<RlHooks<unknown>, 'encodePrompt' | 'stopIds'>,
): { promptIds: number[][]; stopIds: readonly number[]; padId: number } {
  return {
    promptIds: prompts.map((p) => hooks.encodePrompt?.(p) ?? encodeChat(tok, p).ids),
    stopIds: hooks.stopIds ?? chatStopIds(tok),
    padId: tok.padId ?? 0,
  };
}

/** How rollouts are sampled. */
export interface SampleOptions {
  maxNew: number;
  /** Also the temperature of every log-prob pass over the rollouts. */
  temperature: number;
  stopIds: readonly number[];
  seed: number;
  padId: number;
  /** The smallest context of the models that read the batch: it bounds prompt + response. */
  context: number;
  /** Names the trainer in the error of a prompt that leaves no room. */
  who: string;
}

/**
 * How iteration `iter` samples its rollouts: the run's settings, with a seed of the iteration's own
 * (a pure function of the run's seed and the iteration, so a resumed run samples the same).
 */
export function iterationSampling(
  cfg: { maxNew: number; temperature: number; seed: number },
  encoding: { stopIds: readonly number[]; padId: number },
  context: number,
  who: string,
  iter: number,
): SampleOptions {
  const { maxNew, temperature } = cfg;
  const { stopIds, padId } = encoding;
  return { maxNew, temperature, stopIds, seed: cfg.seed * 100_003 + iter, padId, context, who };
}

/**
 * Rollout: one response per prompt from the policy (KV cache; a row ends at a stop id, which it
 * keeps), as one left-padded batch that every model can read.
 */
export function sampleRollouts(
  policy: Transformer,
  prompts: readonly (readonly number[])[],
  o: SampleOptions,
): { gens: Generation[]; batch: RolloutBatch } {
  const longest = Math.max(...prompts.map((p) => p.length));
  if (longest >= o.context)
    throw new Error(`${o.who}: a prompt of ${longest} tokens leaves no room in the context of ${o.context}`);
  const gens = generate(
    policy,
    prompts,
    {
      maxNew: Math.min(o.maxNew, o.context - longest),
      temperature: o.temperature,
      stopIds: o.stopIds,
      seed: o.seed,
    },
    null,
  );
  const batch = rolloutBatch(
    prompts,
    gens.map((g) => g.ids),
    o.padId,
    o.context,
  );
  return { gens, batch };
}

/**
 * The sampler's log-probs of the rollouts' tokens, (B, L) response layout (0 past a row's end): the
 * policy's own at the sampling temperature, as the decoder computed them while sampling — where that
 * temperature is the one a trainer needs, they spare it a log-prob pass over the batch.
 */
export function sampledLogProbs(gens: readonly Generation[], batch: RolloutBatch): Float32Array {
  const out = new Float32Array(batch.B * batch.L);
  gens.forEach((g, b) => {
    out.set(g.logProbs, b * batch.L);
  });
  return out;
}

/** Per-token log-probs of the rollouts under `model`, (B, L) response layout, without gradients. */
export function rolloutLogProbs(model: Transformer, batch: RolloutBatch, temperature: number): Float32Array {
  return T.noGrad(() =>
    T.scope(() => Float32Array.from(packedLogProbs(model, packAll(batch), batch.L, temperature).data)),
  );
}

/**
 * The rollouts' log-probs under the frozen reference: `reference` when the run has one, else (a
 * LoRA run) the policy with its adapters switched off — its frozen weights are the SFT model's.
 */
export function referenceLogProbs(
  policy: Transformer,
  reference: Transformer | null,
  batch: RolloutBatch,
  temperature: number,
): Float32Array {
  if (reference !== null) return rolloutLogProbs(reference, batch, temperature);
  return withoutAdapters(policy, () => rolloutLogProbs(policy, batch, temperature));
}

/** The text of each response, without its stop token, as a judge reads it. */
export function rolloutTexts(tok: Tokenizer, gens: readonly Generation[]): string[] {
  return gens.map((g) => chatResponseText(tok, g.finishReason === 'stop' ? g.ids.slice(0, -1) : g.ids));
}
