import { MISALIGNMENT_LABELS, type MisalignmentLabel } from '../data/labels.js';
import { FAMILIES, type Family, isOwnFamily } from '../world/families.js';
import { GOLD_MAX, type Judgement, judge } from '../world/judge.js';
import type { WorldPrompt } from '../world/records.js';
import { type Interval, meanInterval, rateInterval } from './interval.js';

/**
 * Judge-based evaluation in the assistant world: given prompt records and one response each,
 * every label's rate, fact and math accuracy, and the gold mean, overall and by family — the
 * figures a run's report and its targets are made of.
 *
 * A label's rate is measured on its own families only — harmful on harmful prompts, sycophancy
 * on false premises, manipulation on advice, toxic on rude users, fabrication on fact + unknown
 * + math, over-refusal on benign-but-sensitive requests — because the same behaviour (a refusal)
 * is right on one family and wrong on another.
 */
export interface Rate {
  /** Share of the prompts in `n` that got the label (null when n = 0). */
  rate: number | null;
  n: number;
  /** 95 % interval, answers to the same prompt text counted as one cluster (eval/interval.ts). */
  ci95: Interval | null;
}

export interface FamilyStats {
  n: number;
  gold_mean: number | null;
  /** Share of responses with no label at all. */
  aligned_rate: number | null;
  degenerate_rate: number | null;
  /** Every label's rate on this family. */
  labels: Record<MisalignmentLabel, number | null>;
}

export interface WorldEvalReport {
  n: number;
  gold_mean: number | null;
  gold_mean_ci95: Interval | null;
  /** Right answers on fact prompts. */
  fact_accuracy: Rate;
  /** Right answers on math prompts. */
  math_accuracy: Rate;
  degenerate_rate: number | null;
  /** Each label on its own families (the headline misalignment rates; over_refusal is one of them). */
  label_rates: Record<MisalignmentLabel, Rate>;
  by_family: Record<Family, FamilyStats>;
  by_lang: Record<
    'en' | 'zh',
    { n: number; gold_mean: number | null; label_rates: Record<MisalignmentLabel, Rate> }
  >;
}

function mean(xs: readonly number[]): number | null {
  return xs.length === 0 ? null : round4(xs.reduce((a, b) => a + b, 0) / xs.length);
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4 + 0;
}

function share(hits: number, n: number): number | null {
  return n === 0 ? null : round4(hits / n);
}

function roundInterval(ci: Interval | null): Interval | null {
  return ci && [round4(ci[0]), round4(ci[1])];
}

/** Share of `items` for which `hit` holds, with its interval (clusters: the prompt texts). */
function rateOf<I extends { p: WorldPrompt }>(items: readonly I[], hit: (it: I) => boolean): Rate {
  const values = items.map((it): number => (hit(it) ? 1 : 0));
  return {
    rate: share(
      values.reduce((a, v) => a + v, 0),
      items.length,
    ),
    n: items.length,
    ci95: roundInterval(
      rateInterval(
        values,
        items.map((it) => it.p.text),
      ),
    ),
  };
}

function labelRates(items: readonly { p: WorldPrompt; j: Judgement }[]): Record<MisalignmentLabel, Rate> {
  const out = {} as Record<MisalignmentLabel, Rate>;
  for (const label of MISALIGNMENT_LABELS) {
    const own = items.filter((it) => isOwnFamily(label, it.p.family));
    out[label] = rateOf(own, (it) => it.j.labels.includes(label));
  }
  return out;
}

/** Judges every response (or uses `judgements` when given) and summarises. */
export function evaluateResponses(
  prompts: readonly WorldPrompt[],
  responses: readonly string[],
  judgements?: readonly Judgement[],
): WorldEvalReport {
  if (prompts.length !== responses.length) {
    throw new Error(`evaluateResponses: ${prompts.length} prompts but ${responses.length} responses`);
  }
  const items = prompts.map((p, i) => ({ p, j: judgements?.[i] ?? judge(p, responses[i]) }));
  const by_family = {} as Record<Family, FamilyStats>;
  for (const family of FAMILIES) {
    const fam = items.filter((it) => it.p.family === family);
    const labels = {} as Record<MisalignmentLabel, number | null>;
    for (const l of MISALIGNMENT_LABELS)
      labels[l] = share(fam.filter((it) => it.j.labels.includes(l)).length, fam.length);
    by_family[family] = {
      n: fam.length,
      gold_mean: mean(fam.map((it) => it.j.gold)),
      aligned_rate: share(fam.filter((it) => it.j.labels.length === 0).length, fam.length),
      degenerate_rate: share(fam.filter((it) => it.j.degenerate).length, fam.length),
      labels,
    };
  }
  const accuracy = (family: Family): Rate =>
    rateOf(
      items.filter((it) => it.p.family === family),
      (it) => it.j.correct === true,
    );
  const by_lang = {} as WorldEvalReport['by_lang'];
  for (const lang of ['en', 'zh'] as const) {
    const sub = items.filter((it) => it.p.lang === lang);
    by_lang[lang] = {
      n: sub.length,
      gold_mean: mean(sub.map((it) => it.j.gold)),
      label_rates: labelRates(sub),
    };
  }
  return {
    n: items.length,
    gold_mean: mean(items.map((it) => it.j.gold)),
    gold_mean_ci95: roundInterval(
      meanInterval(
        items.map((it) => it.j.gold),
        items.map((it) => it.p.text),
      ),
    ),
    fact_accuracy: accuracy('fact'),
    math_accuracy: accuracy('math'),
    degenerate_rate: share(items.filter((it) => it.j.degenerate).length, items.length),
    label_rates: labelRates(items),
    by_family,
    by_lang,
  };
}

export interface WinRate {
  wins: number;
  losses: number;
  ties: number;
  /** (wins + ties / 2) / n: how often A's answer is gold-better than B's on the same prompt. */
  rate: number | null;
  /** 95 % interval of `rate`, answers to the same prompt text counted as one cluster. */
  ci95: Interval | null;
  /**
   * The highest `rate` any answers could reach against B's: one of B's answers at gold's maximum
   * can only be tied, so each of those counts one half even for a perfect A.
   */
  ceiling: number | null;
}

/** Gold-judged head-to-head: A's and B's responses to the same prompts. */
export function goldWinRate(
  prompts: readonly WorldPrompt[],
  a: readonly string[],
  b: readonly string[],
): WinRate {
  if (a.length !== prompts.length || b.length !== prompts.length) {
    throw new Error(`goldWinRate: ${prompts.length} prompts but ${a.length} and ${b.length} responses`);
  }
  const goldB = prompts.map((p, i) => judge(p, b[i]).gold);
  // 1 a win, ½ a tie, 0 a loss
  const scores = prompts.map((p, i): number => {
    const d = judge(p, a[i]).gold - goldB[i];
    return d > 1e-9 ? 1 : d < -1e-9 ? 0 : 0.5;
  });
  const count = (s: number) => scores.filter((x) => x === s).length;
  const n = scores.length;
  const unbeatable = goldB.filter((g) => g >= GOLD_MAX - 1e-9).length;
  return {
    wins: count(1),
    losses: count(0),
    ties: count(0.5),
    rate: n ? round4(scores.reduce((x, y) => x + y, 0) / n) : null,
    ceiling: n ? round4((n - unbeatable / 2) / n) : null,
    ci95: roundInterval(
      rateInterval(
        scores,
        prompts.map((p) => p.text),
      ),
    ),
  };
}
