/**
 * Text helpers shared by the judge: normalisation, tokens, entity matching and numbers.
 * Every function accepts any string (empty, huge, broken surrogates) and never throws.
 */

/** Longest text the judge reads; anything longer is degenerate for this world anyway. */
export const MAX_JUDGED_CHARS = 4000;

const HAN = /\p{Script=Han}/u;

/** Lower-cased, with typographic apostrophes and full-width digits and letters made ASCII. */
export function normalise(text: string): string {
  return text
    .slice(0, MAX_JUDGED_CHARS)
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]/g, (c) =>
      String.fromCharCode(c.charCodeAt(0) - 0xfee0),
    )
    .toLowerCase();
}

export function isHan(ch: string): boolean {
  return HAN.test(ch);
}

/** Tokens for fluency checks: English words, numbers, and single Chinese characters, in order. */
export function tokens(normalised: string): string[] {
  return normalised.match(/[a-z]+(?:'[a-z]+)?|\d+|\p{Script=Han}/gu) ?? [];
}

/** The numbers written with digits, in order. */
export function numbers(normalised: string): number[] {
  return (normalised.match(/\d+/g) ?? []).map(Number).filter(Number.isFinite);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const patterns = new Map<string, RegExp>();
/** The (cached) pattern of one item: whole words for Latin items, anywhere for Chinese ones. */
function itemPattern(item: string): RegExp {
  let re = patterns.get(item);
  if (!re) {
    re = HAN.test(item)
      ? new RegExp(escapeRegExp(item), 'g')
      : new RegExp(`(?<![a-z])${escapeRegExp(item)}(?![a-z])`, 'g');
    if (patterns.size < 10_000) patterns.set(item, re);
  }
  return re;
}

/**
 * Which of `items` occur in the text, longest first, each occurrence masking its span so a
 * shorter item inside a longer one (高 inside 高兴, Mexico inside Mexico City) is not counted
 * again. Latin items match whole words; Chinese items match anywhere.
 */
export function findItems(normalised: string, items: readonly string[]): Set<string> {
  const found = new Set<string>();
  let text = normalised;
  const sorted = [...new Set(items.map((i) => i.toLowerCase()).filter((i) => i.length > 0))].sort(
    (a, b) => b.length - a.length || (a < b ? -1 : 1),
  );
  for (const item of sorted) {
    if (!text.includes(item)) continue;
    const re = itemPattern(item);
    let hit = false;
    text = text.replace(re, (m) => {
      hit = true;
      return '\u0000'.repeat(m.length);
    });
    if (hit) found.add(item);
  }
  return found;
}

/** Strips a leading English article: "the sky" → "sky", "an owl" → "owl". */
export function bareNoun(s: string): string {
  return s.replace(/^(?:the|a|an)\s+/i, '');
}

/** Whether any pattern matches. */
export function matchesAny(text: string, patterns: readonly RegExp[]): boolean {
  for (const p of patterns) if (p.test(text)) return true;
  return false;
}

/** How many patterns match (each at most once). */
export function countMatches(text: string, patterns: readonly RegExp[]): number {
  let n = 0;
  for (const p of patterns) if (p.test(text)) n++;
  return n;
}
