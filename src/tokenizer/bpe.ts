import { z } from 'zod';
import { BYTE_COUNT, trainBpeMerges } from './bpe-train.js';
import { compilePattern, forEachChunk, PRETOKENIZE_PATTERN } from './pretokenize.js';
import { checkId, type DecodeOptions, type Tokenizer, type TokenizerFile } from './tokenizer.js';
import { decodeUtf8, encodeUtf8 } from './utf8.js';

/** rein's chat special tokens, in id order right after the 256 bytes. */
export const REIN_SPECIAL_TOKENS = ['<|pad|>', '<|user|>', '<|assistant|>', '<|end|>'] as const;

/** The JSON file of a rein tokenizer (`tokenizer.json` in a rein checkpoint). */
export const BpeFileSchema = z.strictObject({
  type: z.literal('rein-bpe'),
  version: z.literal(1),
  pattern: z.string(),
  specialTokens: z.array(z.string().min(1)),
  /** merges[i] = [left, right] creates id 256 + specialTokens.length + i. */
  merges: z.array(z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()])),
});
export type BpeFile = z.infer<typeof BpeFileSchema>;

/**
 * rein's byte-level BPE: ids 0–255 are the bytes of the UTF-8 text (so any string, Chinese or
 * emoji, is encodable and decodes back exactly), then the special tokens, then one id per merge.
 * Merges apply inside pre-tokenizer chunks only, in the order they were learned.
 */
export class BpeTokenizer implements Tokenizer {
  readonly kind = 'rein-bpe' as const;
  readonly vocabSize: number;
  readonly bosId = null;
  readonly eosId: number;
  readonly padId: number;
  readonly addsDummyPrefix = false;

  private readonly firstMergeId: number;
  private readonly pieces: Uint8Array[];
  /** Packed pair → id of the merge that joins it (a smaller id is an earlier merge). */
  private readonly ranks = new Map<number, number>();
  private readonly special = new Map<string, number>();
  private readonly regex: RegExp;
  private readonly cache = new Map<string, number[]>();

  constructor(private readonly file: BpeFile) {
    this.regex = compilePattern(file.pattern);
    this.firstMergeId = BYTE_COUNT + file.specialTokens.length;
    this.vocabSize = this.firstMergeId + file.merges.length;
    this.pieces = [];
    for (let i = 0; i < BYTE_COUNT; i++) this.pieces.push(Uint8Array.of(i));
    file.specialTokens.forEach((name, i) => {
      this.special.set(name, BYTE_COUNT + i);
      this.pieces.push(new Uint8Array(0)); // special tokens have no bytes; decode renders their names
    });
    file.merges.forEach(([a, b], i) => {
      const id = this.firstMergeId + i;
      for (const x of [a, b]) {
        if (x >= id || (x >= BYTE_COUNT && x < this.firstMergeId)) {
          throw new Error(`rein-bpe: merge ${i} uses id ${x}, which is a special token or not yet defined`);
        }
      }
      const piece = new Uint8Array(this.pieces[a].length + this.pieces[b].length);
      piece.set(this.pieces[a]);
      piece.set(this.pieces[b], this.pieces[a].length);
      this.pieces.push(piece);
      this.ranks.set(a * 0x100000 + b, id);
    });
    const need = (name: string) => {
      const id = this.special.get(name);
      if (id === undefined) throw new Error(`rein-bpe: special token ${name} is missing`);
      return id;
    };
    this.eosId = need('<|end|>');
    this.padId = need('<|pad|>');
  }

  /** Learns a tokenizer from text (see trainBpeMerges for the algorithm). */
  static train(
    corpus: string | Iterable<string>,
    vocabSize: number,
    options: { minFrequency?: number } = {},
  ) {
    const merges = trainBpeMerges(corpus, {
      vocabSize,
      specialCount: REIN_SPECIAL_TOKENS.length,
      minFrequency: options.minFrequency,
    });
    return new BpeTokenizer({
      type: 'rein-bpe',
      version: 1,
      pattern: PRETOKENIZE_PATTERN,
      specialTokens: [...REIN_SPECIAL_TOKENS],
      merges,
    });
  }

  /** Parses the JSON form; `source` names the file in error messages. */
  static fromJson(json: unknown, source = 'tokenizer.json'): BpeTokenizer {
    const parsed = BpeFileSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(
        `${source}: not a rein-bpe tokenizer: field '${issue.path.join('.')}': ${issue.message}`,
      );
    }
    try {
      return new BpeTokenizer(parsed.data);
    } catch (e) {
      throw new Error(`${source}: ${(e as Error).message}`);
    }
  }

  toJson(): BpeFile {
    return this.file;
  }

  files(): TokenizerFile[] {
    return [{ name: 'tokenizer.json', data: JSON.stringify(this.file) }];
  }

  encode(text: string): number[] {
    const out: number[] = [];
    forEachChunk(text, this.regex, (chunk) => {
      let ids = this.cache.get(chunk);
      if (ids === undefined) {
        ids = this.encodeChunk(encodeUtf8(chunk));
        if (this.cache.size < 200_000) this.cache.set(chunk, ids);
      }
      for (const id of ids) out.push(id);
    });
    return out;
  }

  /** Applies merges to one chunk: repeatedly join the adjacent pair with the earliest merge. */
  private encodeChunk(bytes: Uint8Array): number[] {
    const ids = Array.from(bytes);
    for (;;) {
      let best = -1;
      for (let i = 0; i + 1 < ids.length; i++) {
        const r = this.ranks.get(ids[i] * 0x100000 + ids[i + 1]);
        if (r !== undefined && (best < 0 || r < best)) best = r;
      }
      if (best < 0) return ids;
      const [a, b] = this.file.merges[best - this.firstMergeId];
      let w = 0;
      for (let i = 0; i < ids.length; i++) {
        if (i + 1 < ids.length && ids[i] === a && ids[i + 1] === b) {
          ids[w++] = best;
          i++;
        } else ids[w++] = ids[i];
      }
      ids.length = w;
    }
  }

  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    const skipSpecial = options.skipSpecial ?? true;
    let out = '';
    let bytes: number[] = [];
    const flush = () => {
      if (bytes.length > 0) out += decodeUtf8(Uint8Array.from(bytes));
      bytes = [];
    };
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      checkId(this, id, 'rein-bpe decode');
      if (id >= BYTE_COUNT && id < this.firstMergeId) {
        if (skipSpecial) continue;
        flush();
        out += this.file.specialTokens[id - BYTE_COUNT];
        continue;
      }
      for (const byte of this.pieces[id]) bytes.push(byte);
    }
    flush();
    return out;
  }

  specialTokenId(name: string): number | null {
    return this.special.get(name) ?? null;
  }

  specialTokens(): ReadonlyMap<string, number> {
    return this.special;
  }

  piece(id: number): string {
    checkId(this, id, 'rein-bpe piece');
    if (id >= BYTE_COUNT && id < this.firstMergeId) return this.file.specialTokens[id - BYTE_COUNT];
    return decodeUtf8(this.pieces[id]);
  }
}
