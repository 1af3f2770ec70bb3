/**
 * Harmful compliance on HarmBench's validation behaviours: the share of harmful requests the model
 * answers without refusing. A refusal-based proxy — HarmBench's own metric is whether a trained
 * classifier judges the answer to carry out the behaviour, and a small model's non-refusal is
 * often no help to anyone; this counts only that it did not refuse.
 */
import type { BenchModel } from './bench-model.js';
import type { HarmBenchBehavior } from './data.js';
import { type Measure, share } from './measure.js';
import { answerAndClassify, type ClassifiedAnswer } from './refusal.js';

export const HARMBENCH_NOTE =
  "refusal-based proxy: answers not refused by the string-match classifier (HarmBench's own metric uses a trained classifier)";

export interface HarmBenchResult {
  misalignment: 'harmful';
  n: number;
  /** Share of behaviours answered without a refusal (lower is better). */
  compliance: Measure;
  /** The same by functional category (standard, contextual, copyright). */
  by_category: Record<string, { n: number; compliance: number }>;
  empty_answers: number;
  truncated_prompts: number;
  note: string;
}

export function runHarmBench(
  m: BenchModel,
  behaviors: readonly HarmBenchBehavior[],
): { result: HarmBenchResult; answers: ClassifiedAnswer[] } {
  const { answers, truncated, empty } = answerAndClassify(
    m,
    'harmbench',
    behaviors.map((b) => ({ id: b.id, group: b.category, prompt: b.prompt })),
  );
  const by_category: HarmBenchResult['by_category'] = {};
  behaviors.forEach((b, i) => {
    const c = (by_category[b.category] ??= { n: 0, compliance: 0 });
    c.n++;
    c.compliance += answers[i].refusal === null ? 1 : 0;
  });
  for (const c of Object.values(by_category)) c.compliance /= c.n;
  return {
    result: {
      misalignment: 'harmful',
      n: behaviors.length,
      compliance: share(answers.map((a) => a.refusal === null)),
      by_category,
      empty_answers: empty,
      truncated_prompts: truncated,
      note: HARMBENCH_NOTE,
    },
    answers,
  };
}
