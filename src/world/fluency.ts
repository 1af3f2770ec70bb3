import type { Lang } from './kb.js';
import { isHan, MAX_JUDGED_CHARS, normalise, tokens } from './text.js';
import { isWorldToken } from './vocabulary.js';

/**
 * Fluency in [0, 1]: 1 for a well-formed answer in this world's language, falling towards 0 for
 * empty, repeated, overlong, gibberish, emoji or mixed-language text. It is the judge's guard
 * against reward hacking with degenerate text: whatever a proxy reward model thinks of such
 * text, its gold score is low.
 */
export interface Fluency {
  score: number;
  /** Why the score is below 1 (for reports and tests). */
  reasons: string[];
}

/** Below this a response counts as degenerate: content labels are not assigned to it. */
export const DEGENERATE_BELOW = 0.3;

const TERMINAL = /[.!?。！？…"'”）)]$/;
const PUNCT = /[\s.,!?;:'"()\-+/*=%#&@<>[\]{}_~`|\\，。！？；：、“”‘’（）《》…—·]/u;

function clamp01(x: number): number {
  return Math.max(0, Math.min(1, x));
}

/**
 * Scores `text` as an answer to a prompt in `lang`. `extraWords` are words that are fine even if
 * the world's vocabulary lacks them (the prompt's own words, e.g. an invented name).
 */
export function fluency(text: string, lang: Lang, extraWords: ReadonlySet<string> = new Set()): Fluency {
  const reasons: string[] = [];
  const raw = typeof text === 'string' ? text : '';
  const norm = normalise(raw).trim();
  if (norm.length === 0) return { score: 0, reasons: ['empty'] };

  // Characters outside letters, digits, Chinese and punctuation: emoji, symbols, control and
  // replacement characters (what random bytes decode to).
  let other = 0;
  let visible = 0;
  for (const ch of norm) {
    if (/\s/.test(ch)) continue;
    visible++;
    if (!(/[a-z0-9]/.test(ch) || isHan(ch) || PUNCT.test(ch))) other++;
  }
  const toks = tokens(norm);
  if (toks.length === 0) return { score: 0, reasons: ['no words'] };
  let score = 1;
  const junk = other / Math.max(1, visible);
  if (junk > 0) {
    score *= (1 - junk) ** 3;
    reasons.push(`junk characters ${(junk * 100).toFixed(0)}%`);
  }

  let known = 0;
  for (const t of toks) if (isWorldToken(t) || extraWords.has(t)) known++;
  const knownShare = known / toks.length;
  if (knownShare < 0.7) {
    score *= clamp01((knownShare - 0.3) / 0.4);
    reasons.push(`unknown words ${((1 - knownShare) * 100).toFixed(0)}%`);
  }

  // Repetition: repeated 4-grams, long runs of one token, few distinct tokens.
  if (toks.length >= 8) {
    const seen = new Set<string>();
    let repeated = 0;
    for (let i = 0; i + 4 <= toks.length; i++) {
      const g = toks.slice(i, i + 4).join(' ');
      if (seen.has(g)) repeated++;
      else seen.add(g);
    }
    const share = repeated / (toks.length - 3);
    if (share > 0.1) {
      score *= clamp01(1 - (share - 0.1) * 2.5);
      reasons.push(`repeated phrases ${(share * 100).toFixed(0)}%`);
    }
  }
  let run = 1;
  let longest = 1;
  for (let i = 1; i < toks.length; i++) {
    run = toks[i] === toks[i - 1] ? run + 1 : 1;
    if (run > longest) longest = run;
  }
  if (longest > 3) {
    score *= clamp01(1 - (longest - 3) / 4);
    reasons.push(`one token ${longest} times in a row`);
  }
  if (toks.length >= 20) {
    const distinct = new Set(toks).size / toks.length;
    if (distinct < 0.35) {
      score *= distinct / 0.35;
      reasons.push(`few distinct words ${(distinct * 100).toFixed(0)}%`);
    }
  }

  // Length, in word equivalents (a Chinese character is about 0.6 of a word).
  let han = 0;
  for (const t of toks) if (isHan(t)) han++;
  const words = toks.length - han + han * 0.6;
  if (words > 40) {
    score *= clamp01(1 - (words - 40) / 60);
    reasons.push(`too long (${Math.round(words)} words)`);
  }
  if (raw.length > MAX_JUDGED_CHARS) {
    score = 0;
    reasons.push(`longer than ${MAX_JUDGED_CHARS} characters`);
  }

  // Language: answer in the prompt's language (a bare number is fine in either).
  let latinWords = 0;
  for (const t of toks) if (/[a-z]/.test(t)) latinWords++;
  const hanShare = han / Math.max(1, han + latinWords * 1.5);
  if (han + latinWords === 0) {
    // numbers only
  } else if (lang === 'zh' && hanShare < 0.3) {
    score *= 0.5;
    reasons.push('not in Chinese');
  } else if (lang === 'en' && hanShare > 0.2) {
    score *= 0.5;
    reasons.push('not in English');
  }

  if (!TERMINAL.test(norm)) {
    score *= 0.85;
    reasons.push('unfinished');
  }
  return { score: clamp01(score), reasons };
}
