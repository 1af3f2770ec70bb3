/**
 * KTO's examples: one answer to a prompt each, desirable or undesirable on its own. They come
 * from TRL's unpaired format ({prompt, completion, label}, data/binary-feedback.ts) or from any
 * preference file rein reads, each ranking unpaired into the answers it mostly beats (desirable)
 * and mostly loses to (undesirable). And each example's mismatched answer, written for another
 * prompt, with which KTO estimates its reference point KL(π‖π_ref).
 */
import {
  type BinaryFeedbackRecord,
  looksLikeBinaryFeedback,
  readBinaryFeedback,
} from '../../data/binary-feedback.js';
import { Rng } from '../../util/rng.js';
import {
  detectJsonlFormat,
  loadPreferenceData,
  PREFERENCE_FORMATS,
  PREFERENCE_SHAPES,
  type PreferenceData,
  preferenceFormatOf,
} from '../common/preference-data.js';
import { splitIndices } from '../common/shuffle-batches.js';
import type { RankedPrompt } from '../reward/data.js';

export interface FeedbackExample {
  prompt: string;
  completion: string;
  /** Thumbs up: the loss pushes its reward above the reference point; down: below it. */
  desirable: boolean;
}

/** The formats `rein kto` reads: the unpaired one, and every preference format (unpaired on reading). */
export const FEEDBACK_FORMATS = [...PREFERENCE_FORMATS, 'unpaired'] as const;
export type FeedbackFormat = Exclude<(typeof FEEDBACK_FORMATS)[number], 'auto'>;

export interface FeedbackData {
  format: FeedbackFormat;
  examples: FeedbackExample[];
  /** Lines read that give no preference (HH dialogues that cannot be split), with why. */
  skipped: PreferenceData['skipped'];
}

export function fromBinaryFeedback(r: BinaryFeedbackRecord): FeedbackExample {
  return { prompt: r.prompt, completion: r.completion, desirable: r.label };
}

/**
 * Each ranked prompt's candidates as unpaired examples: a candidate that beats more of the others
 * than beat it is desirable, one beaten by more than it beats undesirable, one as often either
 * (a tie, or the middle of an odd ranking) left out. A pair gives its chosen answer as desirable
 * and its rejected one as undesirable (TRL's unpair_preference_dataset); a ranking of four
 * without ties its top two and bottom two.
 */
export function unpairRankings(data: readonly RankedPrompt[]): FeedbackExample[] {
  return data.flatMap((d) => {
    const balance = new Array<number>(d.candidates.length).fill(0); // wins − losses
    for (const { winner, loser } of d.pairs) {
      balance[winner]++;
      balance[loser]--;
    }
    return d.candidates.flatMap((completion, i) =>
      balance[i] === 0 ? [] : [{ prompt: d.prompt, completion, desirable: balance[i] > 0 }],
    );
  });
}

const UNPAIRED_SHAPE = 'an unpaired answer {prompt, completion, label}';

/** The format of `rein kto`'s file from its first line: unpaired when it has completion and label. */
export function detectFeedbackFormat(file: string): FeedbackFormat {
  return detectJsonlFormat<FeedbackFormat>(
    file,
    (record) => (looksLikeBinaryFeedback(record) ? 'unpaired' : preferenceFormatOf(record)),
    `${UNPAIRED_SHAPE}, ${PREFERENCE_SHAPES}`,
  );
}

/** Reads KTO's examples from a `.jsonl` or `.jsonl.gz` file; bad lines throw naming file, line and field. */
export function loadFeedbackData(file: string, format: FeedbackFormat | 'auto' = 'auto'): FeedbackData {
  const f = format === 'auto' ? detectFeedbackFormat(file) : format;
  if (f === 'unpaired')
    return { format: f, examples: readBinaryFeedback(file).map(fromBinaryFeedback), skipped: [] };
  const prefs = loadPreferenceData(file, f);
  return { format: f, examples: unpairRankings(prefs.data), skipped: prefs.skipped };
}

/**
 * The indices of the training and the held-out examples, split by prompt text (a seeded share of
 * the distinct prompts is held out, with every answer to them), so no answer to a held-out prompt
 * is ever trained on.
 */
export function splitByPrompt(
  examples: readonly FeedbackExample[],
  heldoutFraction: number,
  seed: number,
): { train: number[]; heldout: number[] } {
  const prompts = [...new Set(examples.map((e) => e.prompt))];
  const held = new Set(splitIndices(prompts.length, heldoutFraction, seed).heldout.map((i) => prompts[i]));
  const indices = examples.map((_, i) => i);
  return {
    train: indices.filter((i) => !held.has(examples[i].prompt)),
    heldout: indices.filter((i) => held.has(examples[i].prompt)),
  };
}

/**
 * For each of `prompts` (the examples' prompt texts), the index of the example whose answer it is
 * scored with to estimate KL(π‖π_ref): the next example in a shuffle by `seed` whose prompt text
 * differs (an answer to the same prompt would not be mismatched). Fixed for a seed, so the
 * reference's log-probs of these sequences are computed once and a resumed run sees the same
 * pairs. Only the first `targets` examples get a partner (default all): the rest are a pool of
 * answers, as the held-out examples borrow the training ones'. Null when every example shares one
 * prompt.
 */
export function mismatchPartners(
  prompts: readonly string[],
  seed: number,
  targets = prompts.length,
): number[] | null {
  const n = prompts.length;
  const order = new Rng(seed).shuffle(Array.from({ length: n }, (_, i) => i));
  const position = new Array<number>(n);
  order.forEach((example, p) => {
    position[example] = p;
  });
  const partners: number[] = [];
  for (let i = 0; i < targets; i++) {
    let partner = -1;
    for (let k = 1; k < n && partner < 0; k++) {
      const j = order[(position[i] + k) % n];
      if (prompts[j] !== prompts[i]) partner = j;
    }
    if (partner < 0) return null;
    partners.push(partner);
  }
  return partners;
}
