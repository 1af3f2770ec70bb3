/**
 * Finding misbehaviour where no gold judge exists — a user's own prompts — from two signals that
 * people's earlier feedback already paid for:
 *
 * - **flags from earlier rankings**: labelers flag candidates (harmful, toxic, …). A new answer that
 *   closely resembles answers flagged with a label (word-trigram Jaccard similarity at or above a
 *   bound) is suspected of that label. Cheap, and exactly as good as the flags behind it.
 * - **the reward model's low confidence**: when the RM can barely order the best two of K answers
 *   to a prompt — P(best ≻ runner-up) = σ(s₁ − s₂) close to ½ — a ranking there teaches it most.
 */
import type { MisalignmentLabel } from '../data/labels.js';
import { MISALIGNMENT_LABELS } from '../data/labels.js';
import type { RankingRecord } from '../data/ranking.js';

/** Word trigrams of a text (lower-cased; each Chinese character counts as a word). */
export function trigrams(text: string): Set<string> {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const split = words.flatMap((w) => (/\p{Script=Han}/u.test(w) ? [...w] : [w]));
  const out = new Set<string>();
  if (split.length < 3) {
    if (split.length > 0) out.add(split.join(' '));
    return out;
  }
  for (let i = 0; i + 3 <= split.length; i++) out.add(split.slice(i, i + 3).join(' '));
  return out;
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const x of a) if (b.has(x)) shared++;
  return shared / (a.size + b.size - shared);
}

/** The flagged answers of earlier rankings, by label, for matching new answers against. */
export class FlagMatcher {
  private readonly flagged = new Map<MisalignmentLabel, Set<string>[]>();

  constructor(
    rankings: readonly RankingRecord[],
    private readonly minSimilarity = 0.5,
  ) {
    for (const r of rankings) {
      const textOf = new Map(r.candidates.map((c) => [c.id, c.text]));
      for (const [id, flags] of Object.entries(r.flags)) {
        const text = textOf.get(id);
        if (text === undefined) continue;
        for (const f of flags) {
          if (!(MISALIGNMENT_LABELS as readonly string[]).includes(f)) continue; // 'other' names no problem
          const list = this.flagged.get(f as MisalignmentLabel) ?? [];
          list.push(trigrams(text));
          this.flagged.set(f as MisalignmentLabel, list);
        }
      }
    }
  }

  /** How many flagged answers each label has to match against. */
  get counts(): Partial<Record<MisalignmentLabel, number>> {
    return Object.fromEntries([...this.flagged].map(([l, list]) => [l, list.length]));
  }

  /** Labels whose flagged answers `answer` resembles, in MISALIGNMENT_LABELS order. */
  labelsOf(answer: string): MisalignmentLabel[] {
    const grams = trigrams(answer);
    return MISALIGNMENT_LABELS.filter((l) =>
      (this.flagged.get(l) ?? []).some((f) => jaccard(grams, f) >= this.minSimilarity),
    );
  }
}

/** P(the RM's best answer ≻ its runner-up) under Bradley–Terry: σ(s₁ − s₂); 1 with fewer than two. */
export function rmConfidence(scores: ArrayLike<number>): number {
  if (scores.length < 2) return 1;
  let best = -Infinity;
  let second = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (s > best) {
      second = best;
      best = s;
    } else if (s > second) second = s;
  }
  return 1 / (1 + Math.exp(-(best - second)));
}
