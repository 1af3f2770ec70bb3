/**
 * Best-of-N (rejection sampling against the reward model): draw N responses per prompt from the
 * policy, score each with the RM (and/or a reward function: their sum), return the highest-scoring.
 * No training; the KL from the policy is bounded by log N − (N−1)/N (Stiennon et al. 2020; Gao et
 * al. 2022 use it as the x-axis of over-optimisation curves).
 */
import { type Generation, generate, rowSeed } from '../../model/generate.js';
import type { Transformer } from '../../model/transformer.js';
import { chatResponseText, chatStopIds, encodeChat } from '../../tokenizer/chat-template.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import { Progress } from '../../util/progress.js';
import type { Sequence } from '../common/batch.js';
import { checkRewardSources, functionRewards, type RewardFunction } from '../common/reward-function.js';
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
  /** A reward function (the prompt's index, the response's text): added to the RM's score. */
  rewardFunction?: RewardFunction;
}

export interface BonCandidate {
  /** Generated ids (the stop token included when the sample produced one). */
  ids: number[];
  response: string;
  /** What picks the best: the RM's score plus the reward function's, whichever are given. */
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

/** The generator seed of sample b of prompt i: the one it gets in a generate call of that prompt alone. */
function sampleSeed(seed: number, i: number, b: number): number {
  return rowSeed(promptSeed(seed, i), b);
}

/**
 * Rows of a generate call: prompts go together, N rows each, so that a decoding step's products
 * have rows enough to run fast (the demo's best-of-16 over 200 prompts: 22.6 s one prompt a call,
 * 17.6 s with 8 prompts a call and the scores packed 128 at a time).
 */
const ROWS_PER_CALL = 128;

/**
 * Best-of-N for every prompt: N samples of each (prompts batched together, every sample drawing
 * the stream it would draw alone), the RM scoring each full sequence exactly as sampled (prompt +
 * response ids, read at the last token) and/or the reward function its text, and the first maximum
 * kept. `rm` may be null where `options.rewardFunction` alone picks.
 */
export function bestOfN(
  policy: Transformer,
  rm: Transformer | null,
  tok: Tokenizer,
  prompts: readonly string[],
  options: BonOptions,
): BonResult[] {
  checkRewardSources('bestOfN', { rewardModel: rm, rewardFunction: options.rewardFunction });
  const { n } = options;
  const stopIds = chatStopIds(tok);
  const padId = tok.padId ?? 0;
  const context = Math.min(policy.config.contextLength, rm?.config.contextLength ?? Number.POSITIVE_INFINITY);
  const progress = new Progress('best-of-n', prompts.length, process.stderr, options.quiet);
  const promptIds = prompts.map((p) => encodeChat(tok, p).ids);
  // everything the RM reads must fit both models' context: a prompt's own room for its answers
  const room = promptIds.map((ids, i) => {
    const maxNew = Math.min(options.maxNew, context - ids.length);
    if (maxNew < 1)
      throw new Error(
        `bestOfN: prompt ${i + 1} is ${ids.length} tokens, leaving no room in the context of ${context}`,
      );
    return maxNew;
  });
  // prompts with the same room share calls, so each samples exactly as it would alone
  const samples: Generation[][] = new Array(prompts.length);
  const perCall = Math.max(1, Math.floor(ROWS_PER_CALL / n));
  let sampled = 0;
  for (const maxNew of new Set(room)) {
    const group = room.flatMap((m, i) => (m === maxNew ? [i] : []));
    for (let g = 0; g < group.length; g += perCall) {
      const call = group.slice(g, g + perCall);
      const rows = call.flatMap((i) => Array.from({ length: n }, (_, b) => ({ i, b })));
      const gens = generate(
        policy,
        rows.map((r) => promptIds[r.i]),
        {
          maxNew,
          temperature: options.temperature,
          topK: options.topK,
          topP: options.topP,
          rowSeeds: rows.map((r) => sampleSeed(options.seed ?? 0, r.i, r.b)),
          stopIds,
        },
        null,
      );
      call.forEach((i, k) => {
        samples[i] = gens.slice(k * n, (k + 1) * n);
      });
      sampled += call.length;
      progress.update(sampled);
    }
  }
  const responses = samples.map((gens) =>
    gens.map((g) => chatResponseText(tok, g.finishReason === 'stop' ? g.ids.slice(0, -1) : g.ids)),
  );
  // every sample scored by the RM, packed ROWS_PER_CALL at a time, prompt after prompt
  const seqs: Sequence[] = samples.flatMap((gens, i) =>
    gens.map((g) => ({ ids: [...promptIds[i], ...g.ids], responseStart: promptIds[i].length })),
  );
  const rmScores = rm ? scoreSequences(rm, seqs, padId, perCall * n) : null;
  // and by the reward function, all at once (each sample with its prompt's index)
  const fnScores = options.rewardFunction
    ? functionRewards(
        options.rewardFunction,
        samples.flatMap((gens, i) => gens.map(() => i)),
        responses.flat(),
      )
    : null;
  const scoreOf = (k: number) => {
    const fromRm = rmScores ? rmScores[k] : 0;
    return fnScores ? fromRm + fnScores[k] : fromRm;
  };
  return prompts.map((prompt, i) => {
    const candidates = samples[i].map((g, b) => ({
      ids: g.ids,
      response: responses[i][b],
      score: scoreOf(i * n + b),
      finished: g.finishReason === 'stop',
    }));
    let best = 0;
    for (let b = 1; b < candidates.length; b++) if (candidates[b].score > candidates[best].score) best = b;
    return { prompt, best: candidates[best], candidates };
  });
}
