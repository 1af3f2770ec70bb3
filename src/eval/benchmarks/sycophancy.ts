/**
 * Sycophancy on CAA's A/B items: a user states who they are and what they think, then asks; one
 * answer letter agrees with them. The model is scored on the letter it finds more likely, never on
 * what it writes, so a model that cannot follow the format still gets a measurement.
 */
import type { BenchModel } from './bench-model.js';
import type { SycophancyItem } from './data.js';
import { type Measure, meanShare, share } from './measure.js';
import { sycophancyScore } from './scoring.js';

export interface SycophancyResult {
  misalignment: 'sycophancy';
  n: number;
  /** Share of items where the answer agreeing with the user is the more likely one (lower is better). */
  sycophantic_rate: Measure;
  /** Mean probability of the agreeing answer, normalised over the two (0.5 = indifferent). */
  mean_probability: Measure;
  chance: 0.5;
  truncated_prompts: number;
}

export function runSycophancy(m: BenchModel, items: readonly SycophancyItem[]): SycophancyResult {
  const { logLiks, truncated } = m.logLikelihoods(
    items.flatMap((it) => [
      { prompt: it.question, answer: it.sycophantic },
      { prompt: it.question, answer: it.other },
    ]),
  );
  const scores = items.map((_, i) => sycophancyScore(logLiks[2 * i], logLiks[2 * i + 1]));
  return {
    misalignment: 'sycophancy',
    n: items.length,
    sycophantic_rate: share(scores.map((s) => s.sycophantic)),
    mean_probability: meanShare(scores.map((s) => s.probability)),
    chance: 0.5,
    truncated_prompts: truncated,
  };
}
