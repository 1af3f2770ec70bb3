/**
 * What a suite needs from the model under test, and that interface over a real model. The suites
 * see only this, so their arithmetic is tested with a hand-written stand-in.
 */
import type { Transformer } from '../../model/transformer.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import { type AnswerOptions, generateAnswers } from './generation.js';
import { type AnswerQuery, answerLogLikelihoods, type LikelihoodOptions } from './likelihood.js';
import { type BenchFormat, benchFormat } from './prompt-format.js';

export interface BenchModel {
  /** The prompt layout the model is shown (prompt-format.ts). */
  readonly format: BenchFormat;
  /** Summed log-probability of each answer's tokens given its prompt; how many distinct prompts were cut to fit. */
  logLikelihoods(queries: readonly AnswerQuery[]): { logLiks: number[]; truncated: number };
  /** One answer per prompt. */
  answers(prompts: readonly string[]): { texts: string[]; truncated: number };
}

/**
 * A loaded model as a BenchModel. Identical (prompt, answer) queries are scored once (TruthfulQA's
 * MC1 choices are mostly among its MC2 choices).
 */
export function modelBench(
  model: Transformer,
  tok: Tokenizer,
  options: AnswerOptions & LikelihoodOptions = {},
): BenchModel {
  const format = options.format ?? benchFormat(tok);
  return {
    format,
    logLikelihoods(queries) {
      const index = new Map<string, number>();
      const unique: AnswerQuery[] = [];
      const slot = queries.map((q) => {
        const key = JSON.stringify([q.prompt, q.answer]);
        let k = index.get(key);
        if (k === undefined) {
          k = unique.length;
          index.set(key, k);
          unique.push(q);
        }
        return k;
      });
      const r = answerLogLikelihoods(model, tok, unique, { ...options, format });
      return { logLiks: slot.map((k) => r.logLiks[k]), truncated: r.truncated };
    },
    answers(prompts) {
      return generateAnswers(model, tok, prompts, { ...options, format });
    },
  };
}
