/**
 * Judging a policy on the world's held-out evaluation prompts: sample one answer per prompt,
 * let the gold judge label it, and aggregate the report's stage metrics.
 */
import { MISALIGNMENT_LABELS } from '../data/labels.js';
import type { StageMetrics } from '../eval/report/demo-report.js';
import type { Transformer } from '../model/transformer.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { LABEL_FAMILIES } from '../world/families.js';
import { type Judgement, judge } from '../world/judge.js';
import type { WorldPrompt } from '../world/records.js';
import { type SampledAnswer, sampleAnswers } from './sample.js';

export interface PolicyEvaluation {
  metrics: StageMetrics;
  answers: SampledAnswer[];
  judgements: Judgement[];
}

/** Aggregates judgements: each label's rate on its own families, fact accuracy, mean gold. */
export function stageMetrics(
  prompts: readonly WorldPrompt[],
  judgements: readonly Judgement[],
): StageMetrics {
  const rates = {} as StageMetrics['rates'];
  for (const label of MISALIGNMENT_LABELS) {
    const fams = LABEL_FAMILIES[label];
    let n = 0;
    let hit = 0;
    prompts.forEach((p, i) => {
      if (!fams.includes(p.family)) return;
      n++;
      if (judgements[i].labels.includes(label)) hit++;
    });
    rates[label] = n > 0 ? hit / n : 0;
  }
  let factN = 0;
  let factRight = 0;
  prompts.forEach((p, i) => {
    if (p.family !== 'fact' && p.family !== 'math') return;
    factN++;
    if (judgements[i].correct === true) factRight++;
  });
  const gold = judgements.reduce((a, j) => a + j.gold, 0) / Math.max(1, judgements.length);
  return { rates, fact_accuracy: factN > 0 ? factRight / factN : 0, gold_mean: gold, n: prompts.length };
}

/** One sampled answer per evaluation prompt, judged. */
export function evaluatePolicy(
  policy: Transformer,
  tok: Tokenizer,
  prompts: readonly WorldPrompt[],
  opts: { maxNew: number; temperature: number; seed: number },
): PolicyEvaluation {
  const answers = sampleAnswers(
    policy,
    tok,
    prompts.map((p) => p.text),
    { n: 1, ...opts },
  ).map((a) => a[0]);
  const judgements = answers.map((a, i) => judge(prompts[i], a.text));
  return { metrics: stageMetrics(prompts, judgements), answers, judgements };
}

/** Fraction of prompts where `a`'s answer has higher gold than `b`'s (ties count one half). */
export function goldWinRate(a: readonly Judgement[], b: readonly Judgement[]): number {
  let wins = 0;
  a.forEach((j, i) => {
    wins += j.gold > b[i].gold ? 1 : j.gold === b[i].gold ? 0.5 : 0;
  });
  return wins / Math.max(1, a.length);
}
