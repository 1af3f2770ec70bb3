/**
 * Judging a policy on the world's held-out evaluation prompts: sample one answer per prompt,
 * let the gold judge label it, and aggregate the report's stage metrics.
 */
import { MISALIGNMENT_LABELS } from '../data/labels.js';
import type { FamilyMetrics, StageMetrics } from '../eval/report/demo-report.js';
import { evaluateResponses } from '../eval/world-metrics.js';
import { type SampledAnswer, sampleAnswers } from '../model/sample-chat.js';
import type { Transformer } from '../model/transformer.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { type Judgement, judge } from '../world/judge.js';
import type { WorldPrompt } from '../world/records.js';

export interface PolicyEvaluation {
  metrics: StageMetrics;
  answers: SampledAnswer[];
  judgements: Judgement[];
}

/** The report's stage metrics from the world's judge-based evaluation (eval/world-metrics.ts). */
export function stageMetrics(
  prompts: readonly WorldPrompt[],
  responses: readonly string[],
  judgements: readonly Judgement[],
): StageMetrics {
  const r = evaluateResponses(prompts, responses, judgements);
  const rates = Object.fromEntries(
    MISALIGNMENT_LABELS.map((l) => [l, r.label_rates[l].rate ?? 0]),
  ) as StageMetrics['rates'];
  const rates_ci95 = Object.fromEntries(
    MISALIGNMENT_LABELS.map((l) => [l, r.label_rates[l].ci95 ?? [0, 1]]),
  ) as StageMetrics['rates_ci95'];
  const by_family: StageMetrics['by_family'] = {};
  for (const [family, f] of Object.entries(r.by_family)) {
    if (f.n === 0) continue;
    const labels = Object.fromEntries(
      MISALIGNMENT_LABELS.map((l) => [l, f.labels[l] ?? 0]),
    ) as FamilyMetrics['labels'];
    by_family[family] = { n: f.n, gold_mean: f.gold_mean ?? 0, labels };
  }
  const gold = r.gold_mean ?? 0;
  return {
    rates,
    rates_ci95,
    fact_accuracy: r.fact_accuracy.rate ?? 0,
    fact_accuracy_ci95: r.fact_accuracy.ci95 ?? [0, 1],
    gold_mean: gold,
    gold_mean_ci95: r.gold_mean_ci95 ?? [gold, gold],
    n: r.n,
    by_family,
  };
}

/**
 * Each prompt `times` times, copies after the whole list (all prompts, then all again): the copies
 * are sampled and judged like separate prompts, and the intervals count one prompt text as one draw.
 */
export function answeredTimes(prompts: readonly WorldPrompt[], times: number): WorldPrompt[] {
  return Array.from({ length: times }, () => prompts).flat();
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
  return {
    metrics: stageMetrics(
      prompts,
      answers.map((a) => a.text),
      judgements,
    ),
    answers,
    judgements,
  };
}
