/** Prompt and plain-text files: RL and best-of-N prompts, PPO-ptx pretraining texts. */
import { z } from 'zod';
import { readJsonl } from '../../data/jsonl.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import type { Sequence } from './batch.js';

/** A prompt line: `{"text"}` (PromptRecord, data/demos.ts) or `{"prompt"}` (a demonstration or a pair). */
const PromptLine = z
  .looseObject({ text: z.string().optional(), prompt: z.string().optional() })
  .superRefine((r, ctx) => {
    if (r.text === undefined && r.prompt === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['text'],
        message: 'a prompt line needs a string "text" (or "prompt")',
      });
  });

/** The prompts of a JSONL file, in file order. */
export function loadPrompts(file: string): string[] {
  return readJsonl(file, PromptLine).map((r) => (r.text ?? r.prompt) as string);
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
