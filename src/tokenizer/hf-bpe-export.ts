/**
 * rein's byte-level BPE written as a Hugging Face `tokenizer.json` (the `tokenizers` library's
 * format, which `transformers`' PreTrainedTokenizerFast and tokenizers.js load).
 *
 * The translation, piece by piece:
 * - ids: identical. Byte b is id b, the special tokens follow, then one id per merge — every id,
 *   specials included, is in the BPE vocabulary, so no library renumbers anything.
 * - token text: HF's byte-level BPE keys tokens by text in GPT-2's byte alphabet (each byte one
 *   printable character), so a piece's text is its bytes spelled in that alphabet.
 * - merges: rein's merge i joins two ids; HF's joins two texts, ranked by position. Same order.
 * - pre-tokenizer: rein's regex as a `Split` (behaviour Isolated: matches and the gaps between
 *   them both become chunks, as rein's forEachChunk does), then `ByteLevel` without its own regex
 *   (it only maps bytes to the alphabet).
 * - special tokens: added tokens, `special: true`, `normalized: false`, so HF recognises them in
 *   text (a chat template's "<|user|>" becomes one id) and skips them when asked to.
 *
 * Two things would make the file silently disagree with rein, and are refused instead: two ids
 * spelling the same bytes (HF keeps one id per text) and a piece spelling a special token's name.
 */
import type { BpeTokenizer } from './bpe.js';
import { BYTE_COUNT } from './bpe-train.js';

/**
 * GPT-2's byte alphabet: printable Latin-1 bytes stand for themselves; the other 68 bytes
 * (controls, space, 0x7F–0xA0, 0xAD) take the code points from U+0100 upward, in byte order.
 */
export function gpt2ByteAlphabet(): string[] {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xff && b !== 0xad);
  const out: string[] = [];
  let next = 0x100;
  for (let b = 0; b < 256; b++) out.push(String.fromCodePoint(printable(b) ? b : next++));
  return out;
}

/**
 * JavaScript's `\s` (what rein's pattern means, compiled by V8) as an explicit set. Oniguruma
 * (HF's Rust library) and tokenizers.js both read `\s` as Unicode White_Space, which adds U+0085
 * and drops U+FEFF — so the exported pattern spells the set out and means the same everywhere.
 * Literal characters, not escapes: every regex dialect reads a literal character alike.
 */
export const JS_WHITESPACE_CLASS =
  '\t\n\u000b\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff';

/**
 * Rewrites `\s` and `\S` of a JavaScript regex into explicit classes (see JS_WHITESPACE_CLASS).
 * `\S` inside a character class has no explicit spelling without class subtraction: refused.
 */
export function portableWhitespacePattern(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\' && i + 1 < pattern.length) {
      const next = pattern[++i];
      if (next === 's') out += inClass ? JS_WHITESPACE_CLASS : `[${JS_WHITESPACE_CLASS}]`;
      else if (next === 'S') {
        if (inClass) {
          throw new Error(
            `pre-tokenizer pattern: \\S inside a character class cannot be written portably (at ${i - 1} in ${JSON.stringify(pattern)})`,
          );
        }
        out += `[^${JS_WHITESPACE_CLASS}]`;
      } else out += ch + next;
      continue;
    }
    if (ch === '[' && !inClass) inClass = true;
    else if (ch === ']' && inClass) inClass = false;
    out += ch;
  }
  return out;
}

/** The bytes of every id (empty for special tokens), from the merge list. */
function pieceBytes(tok: BpeTokenizer): number[][] {
  const file = tok.toJson();
  const pieces: number[][] = [];
  for (let b = 0; b < BYTE_COUNT; b++) pieces.push([b]);
  for (const _ of file.specialTokens) pieces.push([]);
  for (const [a, b] of file.merges) pieces.push([...pieces[a], ...pieces[b]]);
  return pieces;
}

/** The `tokenizer.json` document (a plain object; JSON.stringify it) for a rein-bpe tokenizer. */
export function reinBpeToHfTokenizerJson(tok: BpeTokenizer): Record<string, unknown> {
  const file = tok.toJson();
  const alphabet = gpt2ByteAlphabet();
  const pieces = pieceBytes(tok);
  const text = (id: number) => pieces[id].map((b) => alphabet[b]).join('');
  const firstMerge = BYTE_COUNT + file.specialTokens.length;

  const vocab: Record<string, number> = {};
  const owner = new Map<string, number>();
  const claim = (key: string, id: number, what: string) => {
    const other = owner.get(key);
    if (other !== undefined) {
      throw new Error(
        `rein-bpe → tokenizer.json: ids ${other} and ${id} both spell ${JSON.stringify(key)} (${what}); Hugging Face's BPE keeps one id per token text, so this tokenizer cannot be exported faithfully`,
      );
    }
    owner.set(key, id);
    vocab[key] = id;
  };
  for (let id = 0; id < pieces.length; id++) {
    if (id >= BYTE_COUNT && id < firstMerge)
      claim(file.specialTokens[id - BYTE_COUNT], id, 'a special token');
    else claim(text(id), id, 'the same bytes');
  }
  const merges = file.merges.map(([a, b]) => `${text(a)} ${text(b)}`);

  const added = file.specialTokens.map((content, i) => ({
    id: BYTE_COUNT + i,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  // ByteLevel only maps bytes (no regex of its own, no prefix space): the Split did the chunking
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        {
          type: 'Split',
          pattern: { Regex: portableWhitespacePattern(file.pattern) },
          behavior: 'Isolated',
          invert: false,
        },
        byteLevel,
      ],
    },
    post_processor: null,
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      // fuse_unk, byte_fallback and ignore_merges are left at their defaults (false), unwritten:
      // older tokenizers versions do not know every key. ignore_merges false is rein's rule — a
      // chunk that is a whole vocabulary entry still goes through the merges; no byte fallback is
      // needed where every byte is a token
      vocab,
      // "left right": the texts never hold a space (byte 0x20 is spelled Ġ)
      merges,
    },
  };
}
