/** Sampling answers to many prompts from a policy, in batches, through the one chat template. */

import { chatResponseText, chatStopIds, encodeChat } from '../tokenizer/chat-template.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { generate } from './generate.js';
import type { Transformer } from './transformer.js';

export interface SampleOptions {
  /** Answers per prompt. */
  n: number;
  maxNew: number;
  temperature: number;
  /** Nucleus sampling (default 1 = off). */
  topP?: number;
  seed: number;
  /** Rows per generate call (prompts × n are flattened into rows). */
  batchSize?: number;
}

export interface SampledAnswer {
  text: string;
  ids: number[];
  /** Sum of the sampled tokens' log-probs under the sampling distribution. */
  logProb: number;
  stopped: boolean;
}

/** `n` sampled answers for each prompt: result[i][j] is the j-th answer to prompts[i]. */
export function sampleAnswers(
  model: Transformer,
  tok: Tokenizer,
  prompts: readonly string[],
  opts: SampleOptions,
): SampledAnswer[][] {
  const stopIds = chatStopIds(tok);
  const rows: { prompt: number; ids: number[] }[] = [];
  prompts.forEach((p, i) => {
    const ids = encodeChat(tok, p).ids;
    for (let j = 0; j < opts.n; j++) rows.push({ prompt: i, ids });
  });
  const out: SampledAnswer[][] = prompts.map(() => []);
  const batchSize = opts.batchSize ?? 64;
  for (let start = 0; start < rows.length; start += batchSize) {
    const chunk = rows.slice(start, start + batchSize);
    const gens = generate(
      model,
      chunk.map((r) => r.ids),
      {
        maxNew: opts.maxNew,
        temperature: opts.temperature,
        topP: opts.topP,
        stopIds,
        seed: opts.seed * 7919 + start,
      },
      null,
    );
    gens.forEach((g, k) => {
      const stopped = g.finishReason === 'stop';
      const body = stopped ? g.ids.slice(0, -1) : g.ids;
      out[chunk[k].prompt].push({
        text: chatResponseText(tok, body),
        ids: g.ids,
        logProb: g.logProbs.reduce((a, b) => a + b, 0),
        stopped,
      });
    });
  }
  return out;
}
