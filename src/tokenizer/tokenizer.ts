/**
 * The one interface every tokenizer of rein implements: rein's byte-level BPE, llama2.c's
 * sentencepiece-style vocabularies and Hugging Face `tokenizer.json` files.
 *
 * `encode` maps plain text to ids and never produces a special token, even when the text
 * spells one out (a user typing "<|end|>" must not end a turn); special tokens enter a
 * sequence only through the chat template or the caller.
 */
import type { ChatLayout } from './chat-template-hf.js';

export interface DecodeOptions {
  /** Drop special tokens (BOS, EOS, pad, chat markers) instead of rendering their names. Default true. */
  skipSpecial?: boolean;
}

/** A file a tokenizer writes next to a checkpoint so that it can be loaded back. */
export interface TokenizerFile {
  name: string;
  data: string | Uint8Array;
}

export type TokenizerKind = 'rein-bpe' | 'llama2c' | 'hf';

export interface Tokenizer {
  readonly kind: TokenizerKind;
  /** Number of ids, special tokens included: valid ids are 0 … vocabSize − 1. */
  readonly vocabSize: number;
  /** Id that starts every sequence the model saw in training, or null when there is none. */
  readonly bosId: number | null;
  /** Id that ends a document or a reply, or null. */
  readonly eosId: number | null;
  /** Id used to fill batches, or null (callers then pad with any id and mask it out). */
  readonly padId: number | null;
  /**
   * True when `encode` puts a space in front of the text (sentencepiece's dummy prefix), so that
   * a separately encoded reply already starts with its own word boundary.
   */
  readonly addsDummyPrefix: boolean;
  /**
   * One exchange in the model's own chat template, where the tokenizer brings one (a Hugging Face
   * `tokenizer_config.json`'s `chat_template`); absent or null otherwise.
   */
  readonly chatLayout?: ChatLayout | null;
  /** Plain text → ids. No BOS, no special tokens. */
  encode(text: string): number[];
  /** Ids → text. A leading dummy-prefix space is removed at the start of the sequence or after BOS. */
  decode(ids: ArrayLike<number>, options?: DecodeOptions): string;
  /** The id of a special token by its name (`<|end|>`, `<s>`, …), or null when the vocabulary has none. */
  specialTokenId(name: string): number | null;
  /** All special tokens, name → id. */
  specialTokens(): ReadonlyMap<string, number>;
  /** A readable form of one id (for debugging and token-level displays). */
  piece(id: number): string;
  /** The files that recreate this tokenizer (see `loadTokenizer`). */
  files(): TokenizerFile[];
}

/** Throws a clear error when an id is outside the vocabulary. */
export function checkId(tok: { vocabSize: number; kind: string }, id: number, where: string): void {
  if (!Number.isInteger(id) || id < 0 || id >= tok.vocabSize) {
    throw new RangeError(
      `${where}: token id ${id} is outside the ${tok.kind} vocabulary (0 … ${tok.vocabSize - 1})`,
    );
  }
}

/**
 * The text that `continuation` adds after `prefix`: decode(prefix + continuation) minus decode(prefix).
 * Tokenizers with a dummy prefix decode a word differently at the start of a sequence than in
 * its middle, so generated text is cut from the decoded whole rather than decoded alone.
 */
export function decodeContinuation(
  tok: Tokenizer,
  prefix: ArrayLike<number>,
  continuation: ArrayLike<number>,
): string {
  const head = tok.decode(prefix);
  const all = tok.decode([...Array.from(prefix), ...Array.from(continuation)]);
  if (all.startsWith(head)) return all.slice(head.length);
  // A character split across the boundary (byte pieces) decodes to U+FFFD in `head` alone.
  return tok.decode(continuation);
}
