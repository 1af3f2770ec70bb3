import { z } from 'zod';
import { jsonlLines } from './jsonl.js';
import { type PairRecord, pairRankings, type RankingRecord } from './ranking.js';

/**
 * Anthropic HH-RLHF preference files: each line is `{chosen, rejected}`, two whole
 * dialogues ("\n\nHuman: …\n\nAssistant: …") that share every turn but the last
 * assistant reply. Splitting at the final "\n\nAssistant:" gives the shared prompt and
 * the two competing answers — a K = 2 ranking.
 */
export const HhLine = z.object({ chosen: z.string(), rejected: z.string() });

const ASSISTANT = '\n\nAssistant:';

export interface HhPair extends PairRecord {
  /** The prompt (the shared dialogue, ending with "Assistant:"), as in the file. */
  prompt: string;
  turns: { role: 'human' | 'assistant'; text: string }[];
}

/** Splits one line's dialogues; a string says why the line cannot be used. */
export function splitHhDialogues(chosen: string, rejected: string): HhPair | string {
  const ic = chosen.lastIndexOf(ASSISTANT);
  const ir = rejected.lastIndexOf(ASSISTANT);
  if (ic < 0 || ir < 0) return `no "${ASSISTANT.trim()}" turn in ${ic < 0 ? 'chosen' : 'rejected'}`;
  const prefix = chosen.slice(0, ic + ASSISTANT.length);
  if (rejected.slice(0, ir + ASSISTANT.length) !== prefix)
    return 'chosen and rejected differ before their last assistant turn';
  const a = chosen.slice(prefix.length).trim();
  const b = rejected.slice(prefix.length).trim();
  if (a === b) return 'chosen and rejected final answers are identical';
  return { prompt: prefix.replace(/^\s+/, ''), chosen: a, rejected: b, turns: parseTurns(prefix) };
}

/** The dialogue's turns ("Human:" / "Assistant:" paragraphs), the empty final assistant turn left out. */
export function parseTurns(dialogue: string): HhPair['turns'] {
  const turns: HhPair['turns'] = [];
  const re = /\n\n(Human|Assistant):/g;
  const marks = [...dialogue.matchAll(re)];
  marks.forEach((m, i) => {
    const start = m.index! + m[0].length;
    const end = i + 1 < marks.length ? marks[i + 1].index! : dialogue.length;
    const text = dialogue.slice(start, end).trim();
    if (text !== '' || i + 1 < marks.length)
      turns.push({ role: m[1] === 'Human' ? 'human' : 'assistant', text });
  });
  return turns;
}

export interface HhReadResult {
  pairs: HhPair[];
  /** Lines that could not be split, with the reason (the file's own quirks, not errors). */
  skipped: { line: number; reason: string }[];
}

/** Reads an HH-RLHF file (`.jsonl` or `.jsonl.gz`). Malformed JSON or fields throw naming file:line:field. */
export function readHhPairs(file: string): HhReadResult {
  const pairs: HhPair[] = [];
  const skipped: HhReadResult['skipped'] = [];
  for (const { line, data } of jsonlLines(file, HhLine)) {
    const split = splitHhDialogues(data.chosen, data.rejected);
    if (typeof split === 'string') skipped.push({ line, reason: split });
    else pairs.push(split);
  }
  return { pairs, skipped };
}

/** HH-RLHF pairs as K = 2 rankings (chosen over rejected), by the labeler 'hh-rlhf' unless named. */
export function hhRankings(
  pairs: readonly HhPair[],
  opts: { round: string; labeler?: string },
): RankingRecord[] {
  return pairRankings(pairs, {
    round: opts.round,
    labeler: opts.labeler ?? 'hh-rlhf',
    idPrefix: 'hh',
    lang: 'en',
  });
}
