import { z } from 'zod';
import { DataFileError, readTextFile } from '../data/jsonl.js';
import type { PromptInput } from './db/types.js';

/**
 * Files of prompts (with or without candidates) for a round, one JSON object a line:
 *   {"prompt": "text" | {"id", "text", "family", "lang"}, "candidates": ["…", {"id", "text", "source"}]}
 * or a world prompt record with a `candidates` list beside its fields:
 *   {"id", "family", "lang", "text", …, "candidates": [...]}
 * K ≥ 2 candidates make a ranking task; no candidates make a demonstration task.
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
const Candidates = z.array(Candidate).max(16).default([]);
const PromptFields = {
  id: z.string().min(1).max(200).optional(),
  text: z.string().min(1),
  family: z.string().optional(),
  lang: z.string().optional(),
};
const Nested = z.looseObject({
  prompt: z.union([z.string().min(1), z.looseObject(PromptFields)]),
  candidates: Candidates,
});
const Flat = z.looseObject({ ...PromptFields, candidates: Candidates });

export function readPromptsFile(file: string): PromptInput[] {
  const out: PromptInput[] = [];
  const lines = readTextFile(file).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i].trim();
    if (text === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new DataFileError(file, i + 1, null, `not valid JSON (${(e as Error).message})`);
    }
    const nested = typeof value === 'object' && value !== null && 'prompt' in value;
    const parsed = (nested ? Nested : Flat).safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new DataFileError(file, i + 1, issue.path.join('.') || null, issue.message);
    }
    type Fields = { id?: string; text: string; family?: string; lang?: string };
    let p: Fields;
    let cands: z.infer<typeof Candidates>;
    if (nested) {
      const d = parsed.data as z.infer<typeof Nested>;
      p = typeof d.prompt === 'string' ? { text: d.prompt } : (d.prompt as Fields);
      cands = d.candidates;
    } else {
      const d = parsed.data as z.infer<typeof Flat>;
      p = d as Fields;
      cands = d.candidates;
    }
    const candidates = cands.map((c) =>
      typeof c === 'string' ? { text: c } : { id: c.id, text: c.text, source: c.source },
    );
    if (candidates.length === 1) {
      throw new DataFileError(
        file,
        i + 1,
        'candidates',
        'one candidate cannot be ranked (give 2–16, or none for a demonstration)',
      );
    }
    out.push({ id: p.id, text: p.text, family: p.family, lang: p.lang, candidates });
  }
  return out;
}
