/** Prompt and plain-text files: RL and best-of-N prompts, PPO-ptx pretraining texts. */
import { z } from 'zod';
import { PromptField } from '../../data/conversation.js';
import { jsonlLines, readJsonl } from '../../data/jsonl.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import type { Sequence } from './batch.js';

/** A prompt line: `{"text"}` (PromptRecord, data/demos.ts), its other fields kept. */
const TextPromptLine = z
  .looseObject({
    text: z.string({ error: 'a prompt line needs a string "text" (or a "prompt": a string or messages)' }),
  })
  .transform((r) => ({ prompt: r.text, record: r as Record<string, unknown> }));

/** A prompt line: `{"prompt"}` — TRL's prompt-only record, a string or messages; a demonstration or a pair. */
const PromptOnlyLine = z
  .looseObject({ prompt: PromptField })
  .transform((r) => ({ prompt: r.prompt, record: r as Record<string, unknown> }));

/** A prompt and the whole line it came from (a reward function may read its other fields). */
export interface PromptWithRecord {
  prompt: string;
  record: Record<string, unknown>;
}

/** The prompts of a JSONL file with their lines, in file order. */
export function loadPromptRecords(file: string): PromptWithRecord[] {
  return Array.from(
    jsonlLines(file, (v) =>
      v !== null && typeof v === 'object' && 'prompt' in v && !('text' in v)
        ? PromptOnlyLine
        : TextPromptLine,
    ),
    (l) => l.data,
  );
}

/** The prompts of a JSONL file, in file order. */
export function loadPrompts(file: string): string[] {
  return loadPromptRecords(file).map((p) => p.prompt);
}

const TextLine = z.looseObject({ text: z.string() });

/** The texts of a `{"text"}` JSONL file. */
export function loadTexts(file: string): string[] {
  return readJsonl(file, TextLine).map((r) => r.text);
}

/**
 * A plain text as a pretraining sequence: [BOS] text [EOS], cut to `maxLen` tokens; every token is
 * a target (responseStart 0), as PPO-ptx's log-likelihood term wants.
 */
export function textSequence(tok: Tokenizer, text: string, maxLen: number): Sequence {
  const ids = [...(tok.bosId !== null ? [tok.bosId] : []), ...tok.encode(text)];
  if (tok.eosId !== null) ids.push(tok.eosId);
  return { ids: ids.slice(0, maxLen), responseStart: 0 };
}
