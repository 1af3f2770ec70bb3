import { z } from 'zod';
import { Messages, renderTurns } from '../data/conversation.js';
import { DataFileError, jsonlLines } from '../data/jsonl.js';
import { candidateExtId, MAX_CANDIDATES, type PromptInput } from './db/types.js';

/**
 * Files of prompts (with or without candidates) for a round, one JSON object a line:
 *   {"prompt": "text" | {"id", "text", "family", "lang"} | [{"role", "content"}, …],
 *    "candidates": ["…", {"id", "text", "source"}]}
 * or a world prompt record with a `candidates` list beside its fields:
 *   {"id", "family", "lang", "text", …, "candidates": [...]}
 * 2–16 candidates make a ranking task, one a rating task, none a demonstration task.
 * Unknown extra fields (the world's judge fields) are ignored.
 */
const Candidate = z.union([
  z.string(),
  z.looseObject({
    id: z.string().min(1).max(64).optional(),
    text: z.string(),
    source: z.string().optional(),
  }),
]);
const Candidates = z
  .array(Candidate)
  .max(MAX_CANDIDATES, `at most ${MAX_CANDIDATES} (0: a demonstration, 1: a rating, 2–16: a ranking)`)
  .default([]);
const PromptFields = {
  id: z.string().min(1).max(200).optional(),
  text: z.string().min(1),
  family: z.string().optional(),
  lang: z.string().optional(),
};
/** TRL's conversational prompt: messages, rendered as one prompt (data/conversation.ts). */
const PromptMessages = Messages.transform(renderTurns);
const Nested = z.looseObject({
  prompt: z.union([z.string().min(1), PromptMessages, z.looseObject(PromptFields)]),
  candidates: Candidates,
});
const Flat = z.looseObject({ ...PromptFields, candidates: Candidates });

export function readPromptsFile(file: string): PromptInput[] {
  const out: PromptInput[] = [];
  const isNested = (value: unknown) => typeof value === 'object' && value !== null && 'prompt' in value;
  const lines = jsonlLines<z.infer<typeof Nested> | z.infer<typeof Flat>>(file, (value) =>
    isNested(value) ? Nested : Flat,
  );
  for (const { line, data } of lines) {
    type Fields = { id?: string; text: string; family?: string; lang?: string };
    let p: Fields;
    if ('prompt' in data)
      p = typeof data.prompt === 'string' ? { text: data.prompt } : (data.prompt as Fields);
    else p = data as Fields;
    const candidates = data.candidates.map((c) =>
      typeof c === 'string' ? { text: c } : { id: c.id, text: c.text, source: c.source },
    );
    // Checked here, not only in the store, so the message can name the file and line.
    const seen = new Set<string>();
    candidates.forEach((c, j) => {
      const id = candidateExtId(c, j);
      if (seen.has(id)) {
        const implicit = c.id === undefined ? ` (the id a candidate without one gets at position ${j})` : '';
        throw new DataFileError(file, line, 'candidates', `candidate id '${id}' appears twice${implicit}`);
      }
      seen.add(id);
    });
    out.push({ id: p.id, text: p.text, family: p.family, lang: p.lang, candidates });
  }
  return out;
}
