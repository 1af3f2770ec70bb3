/**
 * One answer per benchmark prompt, in batches through the model's ordinary batched sampler
 * (model/generate.ts): greedy by default, so a run is a deterministic property of the model.
 */
import { generate } from '../../model/generate.js';
import type { Transformer } from '../../model/transformer.js';
import { chatStopIds } from '../../tokenizer/chat-template.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import { answerText, type BenchFormat, benchFormat, encodeBench } from './prompt-format.js';

export interface AnswerOptions {
  /** Most answer tokens (default 64). */
  maxNew?: number;
  /** 0 (default) = greedy; above 0 samples at that temperature. */
  temperature?: number;
  seed?: number;
  /** Rows per generate call (default 32). */
  batchSize?: number;
  format?: BenchFormat;
}

export interface GeneratedAnswers {
  texts: string[];
  /** Prompts whose beginning was cut to leave room for the answer in the context. */
  truncated: number;
}

/**
 * The most tokens an answer gets: as asked, but never more than half the context — a long prompt
 * keeps room for its answer, and the answer keeps room for the prompt.
 */
export function answerTokenLimit(contextLength: number, requested: number): number {
  return Math.max(1, Math.min(requested, Math.floor(contextLength / 2)));
}

export function generateAnswers(
  model: Transformer,
  tok: Tokenizer,
  prompts: readonly string[],
  options: AnswerOptions = {},
): GeneratedAnswers {
  const format = options.format ?? benchFormat(tok);
  const ctx = model.config.contextLength;
  const maxNew = answerTokenLimit(ctx, options.maxNew ?? 64);
  const temperature = options.temperature ?? 0;
  if (!(temperature >= 0)) throw new Error(`generateAnswers: temperature must be ≥ 0, got ${temperature}`);
  const seed = options.seed ?? 0;
  const batchSize = options.batchSize ?? 32;
  const stopIds =
    format === 'chat' ? chatStopIds(tok) : [tok.eosId, tok.bosId].filter((x): x is number => x !== null);
  const enc = prompts.map((p) => encodeBench(tok, format, p, undefined, ctx - maxNew + 1));
  const texts = new Array<string>(prompts.length).fill('');
  // similar lengths together: a batch is left-padded to its longest prompt
  const order = enc.map((_, i) => i).sort((a, b) => enc[a].ids.length - enc[b].ids.length);
  for (let s = 0; s < order.length; s += batchSize) {
    const chunk = order.slice(s, s + batchSize);
    const gens = generate(
      model,
      chunk.map((i) => enc[i].ids),
      { maxNew, greedy: temperature === 0, temperature: temperature || 1, stopIds, seed: seed * 7919 + s },
      null,
    );
    gens.forEach((g, k) => {
      const body = g.finishReason === 'stop' ? g.ids.slice(0, -1) : g.ids;
      texts[chunk[k]] = answerText(tok, format, enc[chunk[k]].ids, body);
    });
  }
  return { texts, truncated: enc.filter((e) => e.truncated).length };
}
