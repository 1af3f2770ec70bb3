/**
 * Best-of-N (rejection sampling against the reward model): draw N responses per prompt from the
 * policy, score each with the RM, return the highest-scoring. No training; the KL from the policy
 * is bounded by log N − (N−1)/N (Stiennon et al. 2020; Gao et al. 2022 use it as the x-axis of
 * over-optimisation curves).
 */
import { generate } from '../../model/generate.js';
import type { Transformer } from '../../model/transformer.js';
import { chatResponseText, chatStopIds, encodeChat } from '../../tokenizer/chat-template.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import { Progress } from '../../util/progress.js';
import type { Sequence } from '../common/batch.js';
import { scoreSequences } from '../reward/score.js';

/**
 * Upper bound on KL(best-of-N ‖ policy) in nats: log N − (N−1)/N. It is 0 for N = 1 and grows like
 * log N; exact for continuous outputs, an upper bound when samples can repeat.
 */
export function bonKlBound(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`bonKlBound: N must be an integer ≥ 1, got ${n}`);
  return Math.log(n) - (n - 1) / n;
}

export interface BonOptions {
  n: number;
  maxNew: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: number;
  quiet?: boolean;
}

export interface BonCandidate {
  /** Generated ids (the stop token included when the sample produced one). */
  ids: number[];
  response: string;
  score: number;
  /** True when the sample ended with the end-of-reply token (false: cut at maxNew). */
  finished: boolean;
}

export interface BonResult {
  prompt: string;
  best: BonCandidate;
  /** All N samples in sampling order (best is one of them). */
  candidates: BonCandidate[];
}

/** The sampling seed of prompt `i`: each prompt draws its own N streams (generate seeds rows from it). */
export function promptSeed(seed: number, i: number): number {
  return seed * 100_003 + i;
}

/**
 * Best-of-N for every prompt: one batched generate call of N rows per prompt (same prompt, N row
 * streams), the RM scoring each full sequence exactly as sampled (prompt + response ids, read at
 * the last token), and the first maximum kept.
 */
export function bestOfN(
  policy: Transformer,
  rm: Transformer,
  tok: Tokenizer,
  prompts: readonly string[],
  options: BonOptions,
): BonResult[] {
  if (!rm.hasScalarHead) throw new Error('bestOfN: the reward model has no scalar head');
  const stopIds = chatStopIds(tok);
  const padId = tok.padId ?? 0;
  const context = Math.min(policy.config.contextLength, rm.config.contextLength);
  const progress = new Progress('best-of-n', prompts.length, process.stderr, options.quiet);
  const results: BonResult[] = [];
  prompts.forEach((prompt, i) => {
    const promptIds = encodeChat(tok, prompt).ids;
    // everything the RM reads must fit both models' context
    const maxNew = Math.min(options.maxNew, context - promptIds.length);
    if (maxNew < 1)
      throw new Error(
        `bestOfN: prompt ${i + 1} is ${promptIds.length} tokens, leaving no room in the context of ${context}`,
      );
    const gens = generate(
      policy,
      Array.from({ length: options.n }, () => promptIds),
      {
        maxNew,
        temperature: options.temperature,
        topK: options.topK,
        topP: options.topP,
        seed: promptSeed(options.seed ?? 0, i),
        stopIds,
      },
      null,
    );
    const seqs: Sequence[] = gens.map((g) => ({
      ids: [...promptIds, ...g.ids],
      responseStart: promptIds.length,
    }));
    const scores = scoreSequences(rm, seqs, padId, options.n);
    const candidates = gens.map((g, b) => ({
      ids: g.ids,
      response: chatResponseText(tok, g.finishReason === 'stop' ? g.ids.slice(0, -1) : g.ids),
      score: scores[b],
      finished: g.finishReason === 'stop',
    }));
    let best = 0;
    for (let b = 1; b < candidates.length; b++) if (candidates[b].score > candidates[best].score) best = b;
    results.push({ prompt, best: candidates[best], candidates });
    progress.update(i + 1, `best ${candidates[best].score.toFixed(2)}`);
  });
  return results;
}
