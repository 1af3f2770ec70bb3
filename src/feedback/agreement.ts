import { CANDIDATE_FLAGS } from '../data/labels.js';
import type { RankingRecord } from '../data/ranking.js';

export interface AgreementReport {
  /** Prompts ranked by at least two labelers (the only ones that can be compared). */
  prompts: number;
  /** Candidate pairs that both labelers of a labeler pair ordered strictly (ties are left out). */
  comparisons: number;
  agreements: number;
  /** agreements / comparisons, or null when nothing could be compared. */
  rate: number | null;
  /** Each labeler's agreement with everyone else on shared prompts (spots outliers). */
  by_labeler: Record<string, { comparisons: number; agreements: number; rate: number | null }>;
}

/**
 * Pairwise inter-labeler agreement, as InstructGPT reports it (~73 % between its
 * labelers): for every prompt ranked by ≥ 2 labelers, every pair of those labelers and
 * every pair of candidates both of them ordered strictly, do they prefer the same one?
 */
export function pairwiseAgreement(records: readonly RankingRecord[]): AgreementReport {
  const byPrompt = new Map<string, RankingRecord[]>();
  for (const r of records) {
    const key = `${r.round}\u0000${r.prompt.id}`;
    const list = byPrompt.get(key) ?? [];
    if (!list.some((x) => x.labeler === r.labeler)) list.push(r);
    byPrompt.set(key, list);
  }
  const per = new Map<string, { comparisons: number; agreements: number }>();
  const bump = (who: string, agree: boolean) => {
    const s = per.get(who) ?? { comparisons: 0, agreements: 0 };
    s.comparisons++;
    if (agree) s.agreements++;
    per.set(who, s);
  };
  let prompts = 0;
  let comparisons = 0;
  let agreements = 0;
  for (const list of byPrompt.values()) {
    if (list.length < 2) continue;
    prompts++;
    const ids = list[0].candidates.map((c) => c.id);
    const tiers = list.map(tierOf);
    for (let a = 0; a < list.length; a++) {
      for (let b = a + 1; b < list.length; b++) {
        for (let i = 0; i < ids.length; i++) {
          for (let j = i + 1; j < ids.length; j++) {
            const da = Math.sign(tiers[a].get(ids[i])! - tiers[a].get(ids[j])!);
            const db = Math.sign(tiers[b].get(ids[i])! - tiers[b].get(ids[j])!);
            if (da === 0 || db === 0 || Number.isNaN(da) || Number.isNaN(db)) continue;
            comparisons++;
            const agree = da === db;
            if (agree) agreements++;
            bump(list[a].labeler, agree);
            bump(list[b].labeler, agree);
          }
        }
      }
    }
  }
  const by_labeler: AgreementReport['by_labeler'] = {};
  for (const [who, s] of [...per].sort(([x], [y]) => x.localeCompare(y))) {
    by_labeler[who] = { ...s, rate: s.comparisons > 0 ? s.agreements / s.comparisons : null };
  }
  return {
    prompts,
    comparisons,
    agreements,
    rate: comparisons > 0 ? agreements / comparisons : null,
    by_labeler,
  };
}

function tierOf(r: RankingRecord): Map<string, number> {
  const m = new Map<string, number>();
  r.ordering.forEach((tier, t) => {
    for (const id of tier) m.set(id, t);
  });
  return m;
}

export interface FlagFrequencies {
  /** Candidates judged (every candidate of every ranking). */
  candidates: number;
  counts: Record<string, number>;
  /** counts / candidates. */
  rates: Record<string, number>;
}

/** How often each problem flag was put on a candidate. */
export function flagFrequencies(records: readonly RankingRecord[]): FlagFrequencies {
  const counts: Record<string, number> = Object.fromEntries(CANDIDATE_FLAGS.map((f) => [f, 0]));
  let candidates = 0;
  for (const r of records) {
    candidates += r.candidates.length;
    for (const list of Object.values(r.flags ?? {})) for (const f of list) counts[f] = (counts[f] ?? 0) + 1;
  }
  const rates = Object.fromEntries(
    Object.entries(counts).map(([f, n]) => [f, candidates > 0 ? n / candidates : 0]),
  );
  return { candidates, counts, rates };
}

export interface MuchWorseMarks {
  /** Places where a tier follows another (tiers − 1 per ranking). */
  steps: number;
  /** Those with a gap (a "much worse" mark, or any gap an import brought). */
  marked: number;
  /** marked / steps (0 without steps). */
  rate: number;
}

/** How often labelers said a tier was much worse than the one above it (rankings' gaps). */
export function muchWorseMarks(records: readonly RankingRecord[]): MuchWorseMarks {
  let steps = 0;
  let marked = 0;
  for (const r of records) {
    steps += r.ordering.length - 1;
    marked += (r.gaps ?? []).filter((g) => g > 0).length;
  }
  return { steps, marked, rate: steps > 0 ? marked / steps : 0 };
}
