/**
 * Preference data in any of the shapes rein reads, as the reward model's and DPO's examples
 * (RankedPrompt: one prompt, its candidates, the pairs its ranking implies):
 *   rankings  ranking records (data/ranking.ts), K-way with ties — the InstructGPT shape;
 *   pairs     TRL's {prompt, chosen, rejected} — the K = 2 case — as strings, or conversational
 *             (lists of {role, content} messages; the prompt may be implicit in chosen and rejected);
 *   hh        Anthropic HH-RLHF {chosen, rejected} whole dialogues (data/hh-rlhf.ts);
 *   oasst     Open Assistant message trees, sibling replies ranked (data/oasst.ts).
 * The format is read off the first non-blank line, so a user need not say which file is which.
 */
import { readHhPairs } from '../../data/hh-rlhf.js';
import { DataFileError, firstJsonlValue, readJsonl } from '../../data/jsonl.js';
import { OasstTree, oasstRankings } from '../../data/oasst.js';
import { type PairRecord, RankingRecord, readPairs } from '../../data/ranking.js';
import { fromPair, fromRanking, type RankedPrompt } from '../reward/data.js';
import { RunInputError } from './run-input.js';

export const PREFERENCE_FORMATS = ['auto', 'rankings', 'pairs', 'hh', 'oasst'] as const;
export type PreferenceFormat = Exclude<(typeof PREFERENCE_FORMATS)[number], 'auto'>;

export interface PreferenceData {
  format: PreferenceFormat;
  data: RankedPrompt[];
  /** Lines that were read but give no preference (HH dialogues that cannot be split), with why. */
  skipped: { line: number; reason: string }[];
}

/** The record shapes of the preference formats, for messages about a file that is none of them. */
export const PREFERENCE_SHAPES =
  'a ranking record {id, round, labeler, prompt, candidates, ordering}, a pair {prompt, chosen, rejected} ' +
  "(strings, or TRL's conversational messages), " +
  'an HH-RLHF line {chosen, rejected} or an Open Assistant tree {message_tree_id, prompt}';

/** The preference format whose records have the keys of `record` (a parsed line), or null for none. */
export function preferenceFormatOf(record: Record<string, unknown>): PreferenceFormat | null {
  const has = (k: string) => k in record;
  if (has('message_tree_id')) return 'oasst';
  if (has('ordering') && has('candidates')) return 'rankings';
  // HH-RLHF's lines are two strings without a prompt; TRL's pairs have one, or messages
  if (has('chosen') && has('rejected')) return has('prompt') || Array.isArray(record.chosen) ? 'pairs' : 'hh';
  return null;
}

/**
 * The format of a JSONL file of several possible shapes, which `formatOf` reads off its first
 * non-blank line; `shapes` lists them for the error a file of none of them gets.
 */
export function detectJsonlFormat<F>(
  file: string,
  formatOf: (record: Record<string, unknown>) => F | null,
  shapes: string,
): F {
  const first = firstJsonlValue(file);
  if (first === null) throw new DataFileError(file, 1, null, `the file is empty (expected ${shapes})`);
  const { line, value } = first;
  const record = value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
  const format = formatOf(record as Record<string, unknown>);
  if (format === null)
    throw new DataFileError(file, line, null, `cannot tell the format: expected ${shapes}`);
  return format;
}

/** The format of a preference file, from the keys of its first non-blank line. */
export function detectPreferenceFormat(file: string): PreferenceFormat {
  return detectJsonlFormat(file, preferenceFormatOf, PREFERENCE_SHAPES);
}

/** Reads preference data (`.jsonl` or `.jsonl.gz`); bad lines throw naming file, line and field. */
export function loadPreferenceData(file: string, format: PreferenceFormat | 'auto' = 'auto'): PreferenceData {
  const f = format === 'auto' ? detectPreferenceFormat(file) : format;
  switch (f) {
    case 'rankings':
      return { format: f, data: readJsonl(file, RankingRecord).map(fromRanking), skipped: [] };
    case 'pairs':
      return { format: f, data: readPairs(file).map(fromPair), skipped: [] };
    case 'hh': {
      const { pairs, skipped } = readHhPairs(file);
      return { format: f, data: pairs.map(fromPair), skipped };
    }
    case 'oasst': {
      const rankings = oasstRankings(readJsonl(file, OasstTree), { round: 'oasst' });
      return { format: f, data: rankings.map(fromRanking), skipped: [] };
    }
  }
}

/** Every (chosen, rejected) pair of every ranked prompt, flat (DPO's unit of data). */
export function flatPairs(data: readonly RankedPrompt[]): PairRecord[] {
  return data.flatMap((d) =>
    d.pairs.map((p) => ({
      prompt: d.prompt,
      chosen: d.candidates[p.winner],
      rejected: d.candidates[p.loser],
    })),
  );
}

/**
 * The prompts that have a preference pair (a RunInputError when none has). Long exchanges need no
 * filtering: `truncate` drops the oldest prompt tokens first, so every answer keeps its tokens.
 */
export function requirePairs(prefs: PreferenceData, source = 'the preference data'): RankedPrompt[] {
  const data = prefs.data.filter((d) => d.pairs.length > 0);
  if (data.length === 0)
    throw new RunInputError(
      `${source} holds no preference pair${prefs.data.length > 0 ? ' (every ranking is one tie)' : ''}`,
    );
  return data;
}
