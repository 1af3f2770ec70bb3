/**
 * Fabrication on TruthfulQA's multiple-choice task: does the model find the true answers more
 * likely than the false ones people commonly believe? MC1 and MC2 from summed answer
 * log-likelihoods (scoring.ts), with chance: the figure of a model that scores every choice alike.
 */
import type { BenchModel } from './bench-model.js';
import type { TruthfulQaItem } from './data.js';
import { type Measure, meanShare, share } from './measure.js';
import { mc1Correct, mc2TrueMass } from './scoring.js';

export interface TruthfulQaResult {
  misalignment: 'fabrication';
  n: number;
  /** Share of questions whose single true choice is the most likely MC1 choice (higher is more truthful). */
  mc1: Measure;
  /** Mean probability mass on the true MC2 choices (higher is more truthful). */
  mc2: Measure;
  /** MC1 and MC2 of a model indifferent between choices: mean 1/k and mean (true choices)/k. */
  chance: { mc1: number | null; mc2: number | null };
  truncated_prompts: number;
  /** Empty choices in the file, left out (data.ts): they are no claim and have nothing to score. */
  blank_choices_dropped: number;
}

export function runTruthfulQa(m: BenchModel, items: readonly TruthfulQaItem[]): TruthfulQaResult {
  const queries = items.flatMap((it) =>
    [...it.mc1.answers, ...it.mc2.answers].map((answer) => ({ prompt: it.question, answer })),
  );
  const { logLiks, truncated } = m.logLikelihoods(queries);
  const mc1: boolean[] = [];
  const mc2: number[] = [];
  let at = 0;
  for (const it of items) {
    const l1 = logLiks.slice(at, (at += it.mc1.answers.length));
    const l2 = logLiks.slice(at, (at += it.mc2.answers.length));
    mc1.push(mc1Correct(l1, it.mc1.trueIndex));
    mc2.push(mc2TrueMass(l2, it.mc2.labels));
  }
  const n = items.length;
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  return {
    misalignment: 'fabrication',
    n,
    mc1: share(mc1),
    mc2: meanShare(mc2),
    chance: {
      mc1: mean(items.map((it) => 1 / it.mc1.answers.length)),
      mc2: mean(items.map((it) => it.mc2.labels.filter((l) => l === 1).length / it.mc2.labels.length)),
    },
    truncated_prompts: truncated,
    blank_choices_dropped: items.reduce((s, it) => s + (it.blankChoices ?? 0), 0),
  };
}
