/** Scoring answers with a reward model: the scalar head read at each answer's last real token. */
import type { Transformer } from '../../model/transformer.js';
import * as T from '../../tensor/index.js';
import { encodeChat } from '../../tokenizer/chat-template.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import { packRight, type Sequence, truncate } from '../common/batch.js';
import type { RankedPrompt } from './data.js';

/** Every (prompt, answer) through the chat template, as the RM saw it in training. */
export function encodeAnswers(
  tok: Tokenizer,
  prompts: readonly string[],
  answers: readonly string[],
  maxLength: number,
): Sequence[] {
  return answers.map((a, i) => truncate(encodeChat(tok, prompts[i], a), maxLength));
}

/**
 * RM scores of `seqs` (no gradients), batch by batch in the given order, each batch packed. A
 * batch's layout changes a score in its last bits only — but these scores feed training (the
 * RM's normalisation shift), where a 1e-8 change grows into a different PPO run, so the batches
 * stay in the given order: the same sequences always meet the same neighbours.
 */
export function scoreSequences(
  rm: Transformer,
  seqs: readonly Sequence[],
  padId: number,
  batchSize = 32,
): Float32Array {
  const out = new Float32Array(seqs.length);
  T.noGrad(() => {
    for (let i = 0; i < seqs.length; i += batchSize) {
      T.scope(() => {
        const batch = packRight(seqs.slice(i, i + batchSize), padId, rm.config.contextLength);
        out.set(rm.scalarAtLast(batch).data, i);
      });
    }
  });
  return out;
}

/** Scores answers to prompts (answers[i] answers prompts[i]). */
export function scoreAnswers(
  rm: Transformer,
  tok: Tokenizer,
  prompts: readonly string[],
  answers: readonly string[],
  maxLength: number,
  batchSize = 32,
): Float32Array {
  return scoreSequences(rm, encodeAnswers(tok, prompts, answers, maxLength), tok.padId ?? 0, batchSize);
}

/** A group of scored candidates (consecutive in the scores) and the pairs its ranking implies. */
export interface ScoredGroup {
  size: number;
  pairs: readonly { winner: number; loser: number }[];
}

/**
 * The share of pairs that `scores` — each group's candidates in turn — orders like the ranking (a
 * tie in score counts one half), and how many pairs there were; the share is NaN without pairs.
 */
export function orderedShare(
  scores: ArrayLike<number>,
  groups: readonly ScoredGroup[],
): { accuracy: number; pairs: number } {
  let right = 0;
  let pairs = 0;
  let offset = 0;
  for (const g of groups) {
    for (const p of g.pairs) {
      const diff = scores[offset + p.winner] - scores[offset + p.loser];
      right += diff > 0 ? 1 : diff === 0 ? 0.5 : 0;
      pairs++;
    }
    offset += g.size;
  }
  return { accuracy: pairs > 0 ? right / pairs : Number.NaN, pairs };
}

/** Accuracy over the pairs of one margin (0: pairs without one). */
export interface MarginAccuracy {
  margin: number;
  accuracy: number;
  pairs: number;
}

/** Distinct margins beyond which accuracy is not split by margin (a continuous margin has no levels). */
const MAX_MARGIN_LEVELS = 10;

/**
 * Pairwise accuracy: the fraction of ranked pairs the RM orders like the labeler
 * (a tie in score counts one half). Returns NaN when there are no pairs. Where pairs carry margins
 * of a few distinct values (a preference's strength), `byMargin` gives the accuracy at each, as
 * Llama 2 reports it: a reward model should order "much better" pairs more surely than close ones.
 */
export function pairwiseAccuracy(
  rm: Transformer,
  tok: Tokenizer,
  data: readonly RankedPrompt[],
  maxLength: number,
): { accuracy: number; pairs: number; byMargin?: MarginAccuracy[] } {
  const prompts = data.flatMap((d) => d.candidates.map(() => d.prompt));
  const answers = data.flatMap((d) => d.candidates);
  const scores = scoreAnswers(rm, tok, prompts, answers, maxLength);
  const groups = data.map((d) => ({ size: d.candidates.length, pairs: d.pairs }));
  const overall = orderedShare(scores, groups);
  const margins = [...new Set(data.flatMap((d) => d.pairs.map((p) => p.margin ?? 0)))].sort((a, b) => a - b);
  if (margins.every((m) => m === 0) || margins.length > MAX_MARGIN_LEVELS) return overall;
  const byMargin = margins.map((margin) => ({
    margin,
    ...orderedShare(
      scores,
      groups.map((g) => ({ ...g, pairs: g.pairs.filter((p) => (p.margin ?? 0) === margin) })),
    ),
  }));
  return { ...overall, byMargin };
}
