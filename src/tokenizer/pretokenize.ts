/**
 * Splits text into chunks that BPE merges never cross (GPT-2's idea): English contractions,
 * runs of letters (with combining marks) optionally led by one space, runs of at most 3 digits,
 * runs of punctuation/symbols, and whitespace. Runs are capped at 32 code points so that a long
 * unspaced run (Chinese text, a wall of dashes) costs linear, not quadratic, time to encode.
 *
 * The chunks always concatenate back to the input: any character the pattern skipped becomes a
 * chunk of its own.
 */
export const PRETOKENIZE_PATTERN =
  "'(?:[sdmtSDMT]|ll|ve|re|LL|VE|RE)| ?[\\p{L}\\p{M}]{1,32}| ?\\p{N}{1,3}| ?[^\\s\\p{L}\\p{M}\\p{N}]{1,32}|\\s{1,32}(?!\\S)|\\s{1,32}";

export function compilePattern(source: string): RegExp {
  try {
    return new RegExp(source, 'gu');
  } catch (e) {
    throw new Error(`pre-tokenizer pattern is not a valid regular expression: ${(e as Error).message}`);
  }
}

/** Calls `onChunk` for each chunk of `text`, in order. */
export function forEachChunk(text: string, pattern: RegExp, onChunk: (chunk: string) => void): void {
  let at = 0;
  pattern.lastIndex = 0;
  for (const m of text.matchAll(pattern)) {
    if (m.index > at) onChunk(text.slice(at, m.index));
    if (m[0].length === 0) continue;
    onChunk(m[0]);
    at = m.index + m[0].length;
  }
  if (at < text.length) onChunk(text.slice(at));
}
