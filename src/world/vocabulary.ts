import { COLOURS, FACTS, OP_WORDS } from './kb.js';
import { isWorldName, worldNameChars } from './names.js';
import * as styles from './styles.js';
import { TEMPLATES } from './templates.js';
import { tokens } from './text.js';
import * as topics from './topics.js';

/**
 * The world's vocabulary: every English word and Chinese character the generator can write.
 * The judge's fluency check uses it to tell this world's language from gibberish — a model
 * trained here that emits mostly unknown words has degenerated.
 */
let cached: ReadonlySet<string> | null = null;

function collect(value: unknown, out: string[]): void {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) collect(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) collect(v, out);
}

/** Lower-case English words and single Chinese characters. */
export function worldVocabulary(): ReadonlySet<string> {
  if (cached) return cached;
  const strings: string[] = [];
  collect([TEMPLATES, styles, topics, FACTS, COLOURS, OP_WORDS], strings);
  const vocab = new Set<string>();
  for (const s of strings) for (const t of tokens(s.toLowerCase())) if (!/^\d+$/.test(t)) vocab.add(t);
  // Common function words a fluent answer may use although no template happens to.
  for (const w of ['a', 'an', 'the', 'is', 'are', 'it', 'i', 'you', 'and', 'or', 'not', 'yes', 'no', 'sorry', 'please', 'this', 'that', 'of', 'to', 'in'])
    vocab.add(w);
  for (const ch of worldNameChars()) vocab.add(ch);
  cached = vocab;
  return vocab;
}

/** Whether a token belongs to the world's language: a known word, a number, or an invented name. */
export function isWorldToken(token: string): boolean {
  return /^\d+$/.test(token) || worldVocabulary().has(token) || isWorldName(token);
}
