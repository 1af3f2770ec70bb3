/**
 * A training command's preference file: read in whichever format it is, checked for pairs (or,
 * for KTO, for answers marked good or bad), described on stderr.
 */
import {
  loadPreferenceData,
  type PREFERENCE_FORMATS,
  requirePairs,
} from '../train/common/preference-data.js';
import { RunInputError, readInputFile } from '../train/common/run-input.js';
import { type FEEDBACK_FORMATS, type FeedbackExample, loadFeedbackData } from '../train/kto/data.js';
import type { RankedPrompt } from '../train/reward/data.js';

/**
 * The prompts of `--option FILE` that carry at least one preference pair. A file without any
 * pair is an input error naming the option; skipped lines (HH dialogues that cannot be split) are
 * counted, with the first reason, so a user sees what was left out.
 */
export function readPreferences(
  command: string,
  option: string,
  file: string,
  format: (typeof PREFERENCE_FORMATS)[number],
): RankedPrompt[] {
  const prefs = readInputFile(option, file, (f) => loadPreferenceData(f, format));
  const data = requirePairs(prefs, `--${option} ${file} (${prefs.format})`);
  const pairs = data.reduce((n, d) => n + d.pairs.length, 0);
  const margins = marginCount(data);
  console.error(
    `${command}: ${file}: ${prefs.format}, ${data.length} prompts, ${pairs} pairs` +
      `${margins > 0 ? ` (${margins} with a margin)` : ''}${skippedNote(prefs.skipped)}`,
  );
  return data;
}

/** How many of the prompts' pairs carry a margin (a pairs file's `margin` field). */
export function marginCount(data: readonly RankedPrompt[]): number {
  return data.reduce((n, d) => n + d.pairs.filter((p) => p.margin !== undefined).length, 0);
}

/** How many lines were read but left out, with the first one's reason (empty when none). */
function skippedNote(skipped: readonly { line: number; reason: string }[]): string {
  return skipped.length
    ? ` (${skipped.length} lines skipped, e.g. line ${skipped[0].line}: ${skipped[0].reason})`
    : '';
}

/**
 * The unpaired examples of `--option FILE` (KTO's): answers marked desirable or undesirable, read
 * as such or unpaired from a preference file. A file that gives none is an input error naming the
 * option; the counts of each kind go to stderr.
 */
export function readFeedbackExamples(
  command: string,
  option: string,
  file: string,
  format: (typeof FEEDBACK_FORMATS)[number],
): FeedbackExample[] {
  const data = readInputFile(option, file, (f) => loadFeedbackData(f, format));
  const { examples } = data;
  if (examples.length === 0)
    throw new RunInputError(
      `--${option} ${file} (${data.format}) holds no desirable or undesirable answer` +
        (data.format === 'unpaired'
          ? ''
          : ' (an answer counts when it beats more answers than beat it, or fewer)'),
    );
  const desirable = examples.filter((e) => e.desirable).length;
  const prompts = new Set(examples.map((e) => e.prompt)).size;
  console.error(
    `${command}: ${file}: ${data.format}, ${prompts} prompts, ${desirable} desirable and ${examples.length - desirable} undesirable answers${skippedNote(data.skipped)}`,
  );
  return examples;
}
