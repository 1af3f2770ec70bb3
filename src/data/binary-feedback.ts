import { z } from 'zod';
import { PromptField, ReplyField } from './conversation.js';
import { readJsonl } from './jsonl.js';

/**
 * One answer to a prompt, marked good (thumbs up, `label: true`) or bad on its own — no second
 * answer to compare it with. TRL's unpaired preference format, what KTO trains on: cheaper to
 * collect than rankings, since a labeler judges one answer at a time.
 */
export const BinaryFeedbackRecord = z.object({
  prompt: z.string(),
  completion: z.string(),
  label: z.boolean(),
});
export type BinaryFeedbackRecord = z.infer<typeof BinaryFeedbackRecord>;

/** True for a parsed line with the keys that tell this format from the preference formats. */
export function looksLikeBinaryFeedback(record: Record<string, unknown>): boolean {
  return 'completion' in record && 'label' in record;
}

/** A line as files bring it: prompt and completion strings, or TRL's conversational messages. */
const BinaryFeedbackLine: z.ZodType<BinaryFeedbackRecord> = z
  .looseObject({ prompt: PromptField, completion: ReplyField, label: z.boolean() })
  .transform(({ prompt, completion, label }) => ({ prompt, completion, label }));

/** Every record of a `.jsonl` or `.jsonl.gz` file; a bad line throws a DataFileError naming file, line and field. */
export function readBinaryFeedback(file: string): BinaryFeedbackRecord[] {
  return readJsonl(file, BinaryFeedbackLine);
}
