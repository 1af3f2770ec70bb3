import { readFileSync } from 'node:fs';
import { checkId, type DecodeOptions, type Tokenizer, type TokenizerFile } from './tokenizer.js';
import { bytesKey, decodeUtf8, encodeUtf8 } from './utf8.js';

/** llama2.c's fixed ids (sentencepiece's defaults for Llama): <unk> 0, <s> 1, </s> 2. */
const UNK = 0;
const BOS = 1;
const EOS = 2;

/**
 * A llama2.c tokenizer file (`tok512.bin`, Llama 2's `tokenizer.bin`): an int32 max token
 * length, then for each token a float32 merge score, an int32 byte length and the bytes.
 * Pieces use a real space where sentencepiece writes '▁'; `<0xHH>` pieces stand for one raw byte.
 *
 * Encoding follows llama2.c's `encode`: a dummy-prefix space, each UTF-8 character looked up
 * whole (else its bytes through the byte pieces), then repeatedly merge the adjacent pair whose
 * concatenation is in the vocabulary with the highest score (leftmost on ties). A heap over
 * adjacent pairs makes that O(n log n) instead of llama2.c's O(n²), with the same result.
 */
export class Llama2cTokenizer implements Tokenizer {
  readonly kind = 'llama2c' as const;
  readonly vocabSize: number;
  readonly bosId = BOS;
  readonly eosId = EOS;
  readonly padId = null;
  readonly addsDummyPrefix = true;

  private readonly pieces: Uint8Array[];
  private readonly scores: Float32Array;
  private readonly lookup = new Map<string, number>();
  /** Byte value → id of its `<0xHH>` piece (−1 when the vocabulary lacks it). */
  private readonly byteIds = new Int32Array(256).fill(-1);
  /** Id → the raw byte it stands for, for `<0xHH>` pieces, else −1. */
  private readonly byteOf: Int16Array;
  private readonly special = new Map<string, number>();

  private constructor(
    private readonly raw: Uint8Array,
    readonly maxTokenLength: number,
    pieces: Uint8Array[],
    scores: Float32Array,
  ) {
    this.pieces = pieces;
    this.scores = scores;
    this.vocabSize = pieces.length;
    this.byteOf = new Int16Array(pieces.length).fill(-1);
    pieces.forEach((p, id) => {
      const key = bytesKey(p);
      if (!this.lookup.has(key)) this.lookup.set(key, id);
      const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(key);
      if (m) {
        const b = Number.parseInt(m[1], 16);
        this.byteOf[id] = b;
        if (this.byteIds[b] < 0) this.byteIds[b] = id;
      }
    });
    const names: [number, string][] = [
      [UNK, '<unk>'],
      [BOS, '<s>'],
      [EOS, '</s>'],
    ];
    for (const [id, name] of names) if (id < pieces.length) this.special.set(name, id);
  }

  /** Reads a tokenizer file. `vocabSize`, when given (from the model header), must match the file. */
  static load(file: string, vocabSize?: number): Llama2cTokenizer {
    let data: Buffer;
    try {
      data = readFileSync(file);
    } catch (e) {
      throw new Error(`${file}: cannot read llama2.c tokenizer (${(e as NodeJS.ErrnoException).code ?? e})`);
    }
    return Llama2cTokenizer.parse(
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      file,
      vocabSize,
    );
  }

  static parse(bytes: Uint8Array, source: string, vocabSize?: number): Llama2cTokenizer {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < 4)
      throw new Error(`${source}: too short for a llama2.c tokenizer (${bytes.length} bytes)`);
    const maxLen = view.getInt32(0, true);
    if (maxLen <= 0 || maxLen > 1024) {
      throw new Error(`${source}: not a llama2.c tokenizer (max_token_length ${maxLen} is implausible)`);
    }
    const pieces: Uint8Array[] = [];
    const scores: number[] = [];
    let at = 4;
    while (at < bytes.length && (vocabSize === undefined || pieces.length < vocabSize)) {
      if (at + 8 > bytes.length) {
        throw new Error(
          `${source}: truncated llama2.c tokenizer: token ${pieces.length} header cut at byte ${at}`,
        );
      }
      const score = view.getFloat32(at, true);
      const len = view.getInt32(at + 4, true);
      if (len < 0 || len > maxLen) {
        throw new Error(
          `${source}: token ${pieces.length} has length ${len} (max_token_length is ${maxLen})`,
        );
      }
      if (at + 8 + len > bytes.length) {
        throw new Error(
          `${source}: truncated llama2.c tokenizer: token ${pieces.length} needs ${len} bytes at ${at + 8}`,
        );
      }
      scores.push(score);
      pieces.push(bytes.slice(at + 8, at + 8 + len));
      at += 8 + len;
    }
    if (vocabSize !== undefined && pieces.length < vocabSize) {
      throw new Error(`${source}: holds ${pieces.length} tokens but the model's vocabulary is ${vocabSize}`);
    }
    if (pieces.length < 3) throw new Error(`${source}: holds only ${pieces.length} tokens`);
    return new Llama2cTokenizer(bytes.slice(0, at), maxLen, pieces, Float32Array.from(scores));
  }

  files(): TokenizerFile[] {
    return [{ name: 'tokenizer.bin', data: this.raw }];
  }

  encode(text: string): number[] {
    if (text === '') return [];
    const bytes = encodeUtf8(text);
    // Initial tokens: the dummy prefix, then one per character (or its bytes).
    const ids: number[] = [];
    const space = this.lookup.get(' ');
    if (space !== undefined) ids.push(space);
    let i = 0;
    while (i < bytes.length) {
      let j = i + 1;
      while (j < bytes.length && j - i < 4 && (bytes[j] & 0xc0) === 0x80) j++;
      const id = this.lookup.get(bytesKey(bytes.subarray(i, j)));
      if (id !== undefined) ids.push(id);
      else
        for (let k = i; k < j; k++) {
          const b = this.byteIds[bytes[k]];
          ids.push(b >= 0 ? b : bytes[k] + 3); // llama2.c's fallback: byte + 3
        }
      i = j;
    }
    return this.mergeByScore(ids);
  }

  /** Greedy merging by score, as a doubly linked list with a max-heap of candidate pairs. */
  private mergeByScore(ids: number[]): number[] {
    const n = ids.length;
    const tok = Int32Array.from(ids);
    const prev = new Int32Array(n);
    const next = new Int32Array(n);
    const version = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      prev[i] = i - 1;
      next[i] = i + 1 < n ? i + 1 : -1;
    }
    const heap = new CandidateHeap();
    const consider = (l: number) => {
      const r = next[l];
      if (l < 0 || r < 0) return;
      const id = this.lookup.get(bytesKey(this.pieces[tok[l]]) + bytesKey(this.pieces[tok[r]]));
      if (id !== undefined) heap.push(this.scores[id], l, r, id, version[l], version[r]);
    };
    for (let i = 0; i + 1 < n; i++) consider(i);
    while (heap.size > 0) {
      const c = heap.pop();
      if (version[c.l] !== c.vl || version[c.r] !== c.vr || next[c.l] !== c.r) continue; // stale
      tok[c.l] = c.id;
      version[c.l]++;
      version[c.r]++;
      const after = next[c.r];
      next[c.l] = after;
      if (after >= 0) prev[after] = c.l;
      if (prev[c.l] >= 0) consider(prev[c.l]);
      consider(c.l);
    }
    const out: number[] = [];
    for (let i = n > 0 ? 0 : -1; i >= 0; i = next[i]) out.push(tok[i]);
    return out;
  }

  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    const skipSpecial = options.skipSpecial ?? true;
    const bytes: number[] = [];
    let out = '';
    let atStart = true;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      checkId(this, id, 'llama2c decode');
      if (id === BOS || id === EOS || id === UNK) {
        if (!skipSpecial) {
          out += decodeUtf8(Uint8Array.from(bytes.splice(0)));
          out += this.piece(id);
        }
        atStart = id === BOS || atStart;
        continue;
      }
      const b = this.byteOf[id];
      if (b >= 0) bytes.push(b);
      else {
        const p = this.pieces[id];
        // The dummy prefix: the first piece of a sequence (or after BOS) drops its leading space.
        const from = atStart && p[0] === 0x20 ? 1 : 0;
        for (let k = from; k < p.length; k++) bytes.push(p[k]);
      }
      atStart = false;
    }
    return out + decodeUtf8(Uint8Array.from(bytes));
  }

  specialTokenId(name: string): number | null {
    return this.special.get(name) ?? null;
  }

  specialTokens(): ReadonlyMap<string, number> {
    return this.special;
  }

  piece(id: number): string {
    checkId(this, id, 'llama2c piece');
    return decodeUtf8(this.pieces[id]);
  }

  score(id: number): number {
    checkId(this, id, 'llama2c score');
    return this.scores[id];
  }
}

interface Candidate {
  score: number;
  l: number;
  r: number;
  id: number;
  vl: number;
  vr: number;
}

/** Max-heap of merge candidates: higher score first, then the leftmost pair. */
class CandidateHeap {
  private items: Candidate[] = [];

  get size(): number {
    return this.items.length;
  }

  private above(a: Candidate, b: Candidate): boolean {
    return a.score > b.score || (a.score === b.score && a.l < b.l);
  }

  push(score: number, l: number, r: number, id: number, vl: number, vr: number): void {
    const h = this.items;
    h.push({ score, l, r, id, vl, vr });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.above(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  pop(): Candidate {
    const h = this.items;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.above(h[l], h[m])) m = l;
        if (r < h.length && this.above(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}
