/** A training command's preference file: read in whichever format it is, checked for pairs, described on stderr. */
import {
  loadPreferenceData,
  type PREFERENCE_FORMATS,
  requirePairs,
} from '../train/common/preference-data.js';
import { readInputFile } from '../train/common/run-input.js';
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
  const skipped = prefs.skipped.length
    ? ` (${prefs.skipped.length} lines skipped, e.g. line ${prefs.skipped[0].line}: ${prefs.skipped[0].reason})`
    : '';
  console.error(`${command}: ${file}: ${prefs.format}, ${data.length} prompts, ${pairs} pairs${skipped}`);
  return data;
}
