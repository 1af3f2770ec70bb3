/**
 * Log-likelihood of answers given their questions: the sum of log p(answer token | everything
 * before it) over the answer's tokens, as TruthfulQA's MC metrics and lm-eval-harness score a
 * choice. Computed by the model's ordinary forward pass (responseLogProbs), many answers per
 * batch: rows sorted by length and right-padded, which causality hides from the real tokens.
 */
import { pool } from '../../kernels/pool.js';
import { paddedLength, padRight } from '../../model/padding.js';
import { responseLogProbs, type Transformer } from '../../model/transformer.js';
import * as T from '../../tensor/index.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import { type BenchEncoding, type BenchFormat, benchFormat, encodeBench } from './prompt-format.js';

export interface AnswerQuery {
  prompt: string;
  answer: string;
}

export interface LikelihoodOptions {
  /** Prompt layout (default: from the tokenizer, see prompt-format.ts). */
  format?: BenchFormat;
  /**
   * Most logits held at once (rows × length × vocabulary): bounds the memory of a batch whatever
   * the vocabulary (512 for stories260K, 50,257 for GPT-2). Default 2^22 (16 MB of float32).
   */
  maxBatchLogits?: number;
  /** Most rows per batch (default 64). */
  maxRows?: number;
}

export interface AnswerLikelihoods {
  /** Summed log-probability of each query's answer tokens, in the queries' order. */
  logLiks: number[];
  /** Number of answer tokens of each query. */
  answerTokens: number[];
  /** Distinct prompts that lost their beginning to fit the context (with some answer). */
  truncated: number;
}

export function answerLogLikelihoods(
  model: Transformer,
  tok: Tokenizer,
  queries: readonly AnswerQuery[],
  options: LikelihoodOptions = {},
): AnswerLikelihoods {
  const format = options.format ?? benchFormat(tok);
  const ctx = model.config.contextLength;
  const V = model.config.vocabSize;
  const maxLogits = options.maxBatchLogits ?? 2 ** 22;
  const maxRows = options.maxRows ?? 64;
  const enc: BenchEncoding[] = queries.map((q) => {
    const e = encodeBench(tok, format, q.prompt, q.answer, ctx);
    // a sum over no tokens is 0, probability 1: such an answer would beat every real one
    if (e.ids.length === e.responseStart)
      throw new Error(
        `answerLogLikelihoods: answer ${JSON.stringify(q.answer)} to ${JSON.stringify(q.prompt.slice(0, 60))} has no tokens (its likelihood would be 1)`,
      );
    return e;
  });
  const logLiks = new Array<number>(queries.length).fill(0);
  // longest first, so each batch's rows have similar lengths and little padding
  const order = enc.map((_, i) => i).sort((a, b) => enc[b].ids.length - enc[a].ids.length);
  const padId = tok.padId ?? 0; // any valid id: right padding is never attended to by real tokens
  let shape = '';
  for (let s = 0; s < order.length; ) {
    const Tn = paddedLength(enc[order[s]].ids.length, ctx);
    const rows = Math.max(1, Math.min(maxRows, Math.floor(maxLogits / (Tn * V))));
    const chunk = order.slice(s, s + rows);
    s += chunk.length;
    const B = chunk.length;
    // The buffer pool keeps released buffers by exact size for the next batch of the same shape.
    // Rows come longest first, so a shape once left never returns: its buffers would only pile up
    // (to 1.5 GB on TruthfulQA with stories260K), so the pool lets them go.
    if (shape !== '' && shape !== `${B}x${Tn}`) pool.clear();
    shape = `${B}x${Tn}`;
    const batch = padRight(
      chunk.map((q) => enc[q]),
      padId,
      ctx,
    );
    const { responseStart } = batch;
    const lp = T.noGrad(() =>
      T.scope(() => Float32Array.from(responseLogProbs(model, batch, responseStart).logProbs.data)),
    );
    chunk.forEach((q, b) => {
      // summed in double precision; entries off the answer are 0 but are not even read
      let sum = 0;
      for (let t = responseStart[b]; t < enc[q].ids.length; t++) sum += lp[b * batch.T + t];
      logLiks[q] = sum;
    });
  }
  return {
    logLiks,
    answerTokens: enc.map((e) => e.ids.length - e.responseStart),
    truncated: new Set(queries.filter((_, i) => enc[i].truncated).map((q) => q.prompt)).size,
  };
}
