/**
 * The HH-RLHF file as the recipe reads it: every line a preference between two exchanges, the
 * first `train` lines for training and the last `validation` lines for the one reported figure.
 *
 * An exchange is (dialogue so far, final assistant reply). In nearly every line the two dialogues
 * share all turns but the last reply (data/hh-rlhf.ts splits them); a few lines of the real file
 * differ earlier (a reply cut short, a turn pasted twice). Rather than drop those — the protocol
 * says "the last 300 pairs" — each side then keeps its own dialogue as its prompt, which is still
 * what a reward model scores: the reply in its context.
 */

import { HhLine, splitHhDialogues } from '../data/hh-rlhf.js';
import { DataFileError, jsonlLines } from '../data/jsonl.js';

const ASSISTANT = '\n\nAssistant:';

export interface Exchange {
  /** The dialogue up to and including the final "Assistant:". */
  prompt: string;
  /** The final assistant reply. */
  answer: string;
}

export interface HhPreference {
  /** 1-based line in the file. */
  line: number;
  chosen: Exchange;
  rejected: Exchange;
}

/** One dialogue cut at its last "Assistant:" turn, or null when it has none. */
function lastExchange(dialogue: string): Exchange | null {
  const i = dialogue.lastIndexOf(ASSISTANT);
  if (i < 0) return null;
  return {
    prompt: dialogue.slice(0, i + ASSISTANT.length).replace(/^\s+/, ''),
    answer: dialogue.slice(i + ASSISTANT.length).trim(),
  };
}

/** One line's preference, or the reason it carries none. */
export function hhPreference(line: number, chosen: string, rejected: string): HhPreference | string {
  const shared = splitHhDialogues(chosen, rejected);
  if (typeof shared !== 'string')
    return {
      line,
      chosen: { prompt: shared.prompt, answer: shared.chosen },
      rejected: { prompt: shared.prompt, answer: shared.rejected },
    };
  if (!shared.includes('differ before')) return shared;
  const c = lastExchange(chosen);
  const r = lastExchange(rejected);
  if (c === null || r === null) return shared;
  return { line, chosen: c, rejected: r };
}

export interface HhSplit {
  train: HhPreference[];
  validation: HhPreference[];
  /** Lines inside either part that carry no preference, with the reason. */
  skipped: { line: number; reason: string }[];
  /** Lines in the file (non-blank). */
  lines: number;
}

/**
 * Reads an HH-RLHF file (`.jsonl` or `.jsonl.gz`): the first `train` lines and the last
 * `validation` lines. Every line is checked (a malformed one throws naming file:line:field, even
 * between the parts); a file too short for two disjoint parts is an error, never a silent overlap.
 */
export function readHhSplit(file: string, sizes: { train: number; validation: number }): HhSplit {
  const rows = Array.from(jsonlLines(file, HhLine));
  if (rows.length < sizes.train + sizes.validation)
    throw new DataFileError(
      file,
      rows.at(-1)?.line ?? 1,
      null,
      `${rows.length} lines, fewer than the ${sizes.train} training + ${sizes.validation} validation lines asked for (the two parts must not overlap)`,
    );
  const skipped: HhSplit['skipped'] = [];
  const take = (part: typeof rows): HhPreference[] =>
    part.flatMap((row) => {
      const p = hhPreference(row.line, row.data.chosen, row.data.rejected);
      if (typeof p === 'string') {
        skipped.push({ line: row.line, reason: p });
        return [];
      }
      return [p];
    });
  return {
    train: take(rows.slice(0, sizes.train)),
    validation: take(rows.slice(rows.length - sizes.validation)),
    skipped,
    lines: rows.length,
  };
}
