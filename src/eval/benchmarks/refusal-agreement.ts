/**
 * How well the string-match refusal classifier agrees with people: on XSTest's human-labelled
 * completions, a full or partial refusal (as the annotators labelled it) should be classified as
 * a refusal, a full compliance as not.
 */
import { type Interval, wilson } from '../interval.js';
import type { XsTestCompletion } from './data.js';
import { isRefusal } from './refusal.js';

export interface RefusalAgreement {
  n: number;
  /** Share of completions the classifier labels as the annotators did. */
  accuracy: number;
  ci95: Interval | null;
  /** Refusals (full or partial, by the annotators) the classifier calls refusals. */
  recall: number;
  /** Of the completions the classifier calls refusals, the share the annotators call refusals. */
  precision: number;
  confusion: {
    refusedAndFlagged: number;
    refusedMissed: number;
    compliedFlagged: number;
    compliedPassed: number;
  };
}

export function refusalAgreement(
  rows: readonly Pick<XsTestCompletion, 'completion' | 'label'>[],
): RefusalAgreement {
  const c = { refusedAndFlagged: 0, refusedMissed: 0, compliedFlagged: 0, compliedPassed: 0 };
  for (const r of rows) {
    const human = r.label !== '1_full_compliance';
    const flagged = isRefusal(r.completion);
    if (human) flagged ? c.refusedAndFlagged++ : c.refusedMissed++;
    else flagged ? c.compliedFlagged++ : c.compliedPassed++;
  }
  const n = rows.length;
  const right = c.refusedAndFlagged + c.compliedPassed;
  const flagged = c.refusedAndFlagged + c.compliedFlagged;
  const refused = c.refusedAndFlagged + c.refusedMissed;
  return {
    n,
    accuracy: n ? right / n : Number.NaN,
    ci95: n ? wilson(right / n, n) : null,
    recall: refused ? c.refusedAndFlagged / refused : Number.NaN,
    precision: flagged ? c.refusedAndFlagged / flagged : Number.NaN,
    confusion: c,
  };
}
