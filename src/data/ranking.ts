import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Exchange, PromptField, ReplyField } from './conversation.js';
import { jsonlLines } from './jsonl.js';
import { CANDIDATE_FLAGS } from './labels.js';

/**
 * One ranking: a labeler orders K candidate answers to one prompt, best first.
 * This single record is written by simulated labelers and by the feedback app alike,
 * so a reward-model trainer cannot tell (and need not care) who ranked.
 *
 * `ordering` is a list of tiers, best tier first; candidates in one tier are tied.
 * Every candidate id appears in exactly one tier.
 */
export const RankingCandidate = z.strictObject({
  id: z.string().min(1),
  text: z.string(),
});

/**
 * The largest gap a ranking may put between two adjacent tiers, in reward units: Llama 2's margins
 * run to 3; a gap far past a reward model's usual score spread would only dominate its loss.
 */
export const MAX_GAP = 10;

/** One gap between two adjacent tiers: 0 (no more than ranked) to MAX_GAP. */
export const Gap = z.number().finite().min(0).max(MAX_GAP);

/**
 * The longest a ranking can say it took: a day. The feedback app refuses more, and its
 * PostgreSQL column is a 32-bit integer, so a record over it could not be imported anyway.
 */
export const MAX_TIME_MS = 86_400_000;

export const RankingRecord = z
  .strictObject({
    id: z.string().min(1),
    round: z.string().min(1),
    labeler: z.string().min(1),
    prompt: z.strictObject({
      id: z.string().min(1),
      text: z.string(),
      family: z.string().optional(),
      lang: z.string().optional(),
    }),
    candidates: z.array(RankingCandidate).min(2).max(16),
    ordering: z.array(z.array(z.string().min(1)).min(1)).min(1),
    flags: z.record(z.string(), z.array(z.enum(CANDIDATE_FLAGS))).default({}),
    /**
     * How much better each tier is than the next, in reward units (one per pair of adjacent tiers):
     * the reward model asks a pair spanning several tiers to lead by their sum (its margin). Absent:
     * no margins — a ranking only orders.
     */
    gaps: z.array(Gap).optional(),
    note: z.string().optional(),
    time_ms: z.number().nonnegative().max(MAX_TIME_MS).optional(),
    created_at: z.string().optional(),
  })
  .superRefine((r, ctx) => {
    const problem = orderingProblem(
      r.candidates.map((c) => c.id),
      r.ordering,
    );
    if (problem) ctx.addIssue({ code: 'custom', path: ['ordering'], message: problem });
    const gapsProblem = r.gaps && gapCountProblem(r.gaps, r.ordering.length);
    if (gapsProblem) ctx.addIssue({ code: 'custom', path: ['gaps'], message: gapsProblem });
    const ids = new Set(r.candidates.map((c) => c.id));
    for (const key of Object.keys(r.flags)) {
      if (!ids.has(key))
        ctx.addIssue({ code: 'custom', path: ['flags', key], message: `no candidate '${key}'` });
    }
  });
export type RankingRecord = z.infer<typeof RankingRecord>;

/** Why `ordering` is not a permutation (in tiers) of `candidateIds`, or null when it is. */
export function orderingProblem(
  candidateIds: readonly string[],
  ordering: readonly (readonly string[])[],
): string | null {
  const known = new Set(candidateIds);
  if (known.size !== candidateIds.length) return 'candidate ids are not unique';
  const seen = new Set<string>();
  for (const tier of ordering) {
    for (const id of tier) {
      if (!known.has(id)) return `ordering names '${id}', which is not a candidate`;
      if (seen.has(id)) return `ordering names '${id}' twice`;
      seen.add(id);
    }
  }
  const missing = candidateIds.filter((id) => !seen.has(id));
  if (missing.length > 0) return `ordering leaves out ${missing.map((m) => `'${m}'`).join(', ')}`;
  return null;
}

/** Why `gaps` does not fit a ranking of `tiers` tiers (one gap between each two), or null when it does. */
export function gapCountProblem(gaps: readonly number[], tiers: number): string | null {
  return gaps.length === tiers - 1
    ? null
    : `${gaps.length} gap(s) for ${tiers} tiers: one between each two adjacent tiers (${tiers - 1})`;
}

/**
 * A preferred/dispreferred pair of candidate indices. `margin` (a pairs file's `margin` field, or
 * the ranking's gaps between the two) is how far the reward model should put the winner above the
 * loser: its loss becomes −log σ(r_w − r_l − margin), Llama 2's way of telling "much better" from
 * "slightly better".
 */
export interface PreferencePair {
  winner: number;
  loser: number;
  margin?: number;
}

/**
 * All ordered pairs a ranking implies: each candidate beats every candidate in a lower tier.
 * Ties give no pair. For K candidates without ties this is C(K, 2) pairs. With `gaps`, a pair's
 * margin is the sum of the gaps between its two tiers (left out where that sum is 0).
 */
export function rankingPairs(r: Pick<RankingRecord, 'candidates' | 'ordering' | 'gaps'>): PreferencePair[] {
  const index = new Map(r.candidates.map((c, i) => [c.id, i] as const));
  const pairs: PreferencePair[] = [];
  for (let hi = 0; hi < r.ordering.length; hi++) {
    let margin = 0;
    for (let lo = hi + 1; lo < r.ordering.length; lo++) {
      margin += r.gaps?.[lo - 1] ?? 0;
      for (const w of r.ordering[hi])
        for (const l of r.ordering[lo])
          pairs.push({ winner: index.get(w)!, loser: index.get(l)!, ...(margin > 0 ? { margin } : {}) });
    }
  }
  return pairs;
}

/** A flat preference pair in TRL's format (the K = 2 case of a ranking). */
export const PairRecord = z.object({
  prompt: z.string(),
  chosen: z.string(),
  rejected: z.string(),
  /** How much better chosen is, in reward units (TRL's `margin` column); absent: 0. */
  margin: z.number().optional(),
});
export type PairRecord = z.infer<typeof PairRecord>;

/** A pair line's optional margin: a finite number (a string or an infinity is a data error). */
const Margin = z.number().finite().optional();
/** `{ margin }` where there is one, else nothing: spread into a pair, it leaves a plain pair plain. */
export const withMargin = (margin: number | undefined): { margin?: number } =>
  margin === undefined ? {} : { margin };

const ExplicitPair: z.ZodType<PairRecord> = z
  .looseObject({ prompt: PromptField, chosen: ReplyField, rejected: ReplyField, margin: Margin })
  .transform(({ prompt, chosen, rejected, margin }) => ({ prompt, chosen, rejected, ...withMargin(margin) }));

const ImplicitPair: z.ZodType<PairRecord> = z
  .looseObject({ chosen: Exchange, rejected: Exchange, margin: Margin })
  .transform(({ chosen, rejected, margin }, ctx) => {
    if (chosen.prompt !== rejected.prompt) {
      ctx.addIssue({
        code: 'custom',
        message: 'chosen and rejected differ before their last message',
        path: ['rejected'],
      });
      return z.NEVER;
    }
    return { prompt: chosen.prompt, chosen: chosen.reply, rejected: rejected.reply, ...withMargin(margin) };
  });

/** A pairs JSONL file (`.jsonl` or `.jsonl.gz`) in any of TRL's shapes; a bad line throws naming file, line and field. */
export function readPairs(file: string): PairRecord[] {
  return Array.from(jsonlLines(file, pairLineSchema), (l) => l.data);
}

/**
 * Whether a pair's margin can be kept as the gap of a K = 2 ranking: gaps run from 0 to MAX_GAP (a
 * negative margin, "chosen may even trail", is no gap).
 */
export const marginIsGap = (margin: number): boolean => margin >= 0 && margin <= MAX_GAP;

/**
 * Preference pairs as K = 2 rankings (chosen over rejected), for the feedback store: each record's
 * id (and its prompt's) is a hash of the pair, so importing the same pair again adds nothing.
 */
export function pairRankings(
  pairs: readonly PairRecord[],
  opts: { round: string; labeler: string; idPrefix: string; lang?: string },
): RankingRecord[] {
  return pairs.map((p) => {
    const id = `${opts.idPrefix}-${createHash('sha256')
      .update(JSON.stringify([p.prompt, p.chosen, p.rejected]))
      .digest('hex')
      .slice(0, 16)}`;
    return {
      id,
      round: opts.round,
      labeler: opts.labeler,
      prompt: { id, text: p.prompt, ...(opts.lang ? { lang: opts.lang } : {}) },
      candidates: [
        { id: 'chosen', text: p.chosen },
        { id: 'rejected', text: p.rejected },
      ],
      ordering: [['chosen'], ['rejected']],
      ...(p.margin !== undefined && marginIsGap(p.margin) ? { gaps: [p.margin] } : {}),
      flags: {},
    };
  });
}

/**
 * The schema of one pair line as files bring it: TRL's standard {prompt, chosen, rejected} strings,
 * its conversational form (prompt messages, each answer a list of one assistant message), or its
 * implicit prompt — no prompt key, chosen and rejected whole conversations that share every
 * message but the last (data/conversation.ts renders a conversation as one exchange).
 */
export function pairLineSchema(value: unknown): z.ZodType<PairRecord> {
  return value !== null && typeof value === 'object' && 'prompt' in value ? ExplicitPair : ImplicitPair;
}
