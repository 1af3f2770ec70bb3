import { compilePattern, forEachChunk, PRETOKENIZE_PATTERN } from './pretokenize.js';
import { encodeUtf8 } from './utf8.js';

/** Number of ids before the first merge: 256 bytes, then the special tokens. */
export const BYTE_COUNT = 256;

export interface BpeTrainOptions {
  /** Final vocabulary size, bytes and special tokens included. */
  vocabSize: number;
  /** Number of special-token ids reserved after the 256 bytes. */
  specialCount: number;
  /** A pair seen fewer times than this is never merged. Default 2. */
  minFrequency?: number;
  /** Pre-tokenizer regular expression (default: rein's). */
  pattern?: string;
}

/** A pair of ids packed into one number (ids stay below 2^20). */
const pairKey = (a: number, b: number): number => a * 0x100000 + b;
const pairLeft = (k: number): number => Math.floor(k / 0x100000);
const pairRight = (k: number): number => k % 0x100000;

/**
 * Learns byte-level BPE merges from text. Returns merges in order: merge i creates id
 * 256 + specialCount + i from the pair merges[i].
 *
 * Incremental pair counting (as in Hugging Face's trainer): the corpus is reduced to unique
 * chunks with counts; pair counts are kept in a map and a max-heap; each pair remembers the
 * chunks it occurs in, so a merge only revisits those chunks and adjusts counts by the pairs
 * that disappeared and appeared there. Heap entries go stale when counts change and are
 * skipped when popped. Ties break toward the smaller (left, right) pair, so training is
 * deterministic.
 */
export function trainBpeMerges(
  corpus: string | Iterable<string>,
  options: BpeTrainOptions,
): [number, number][] {
  const { vocabSize, specialCount } = options;
  const minFrequency = options.minFrequency ?? 2;
  const firstMergeId = BYTE_COUNT + specialCount;
  if (!Number.isInteger(vocabSize) || vocabSize < firstMergeId || vocabSize >= 0x100000) {
    throw new RangeError(
      `trainBpe: vocabSize ${vocabSize} must be an integer in ${firstMergeId} … ${0xfffff}`,
    );
  }
  const pattern = compilePattern(options.pattern ?? PRETOKENIZE_PATTERN);

  // 1. Unique chunks with their counts.
  const chunkCounts = new Map<string, number>();
  const addText = (text: string) =>
    forEachChunk(text, pattern, (c) => chunkCounts.set(c, (chunkCounts.get(c) ?? 0) + 1));
  if (typeof corpus === 'string') addText(corpus);
  else for (const t of corpus) addText(t);

  const words: number[][] = [];
  const freqs: number[] = [];
  for (const [chunk, n] of chunkCounts) {
    const bytes = encodeUtf8(chunk);
    if (bytes.length < 2) continue; // a single byte has no pair to merge
    words.push(Array.from(bytes));
    freqs.push(n);
  }
  chunkCounts.clear();

  // 2. Initial pair counts and where each pair occurs.
  const counts = new Map<number, number>();
  const where = new Map<number, number[]>();
  for (let w = 0; w < words.length; w++) {
    const word = words[w];
    const f = freqs[w];
    for (let i = 0; i + 1 < word.length; i++) {
      const k = pairKey(word[i], word[i + 1]);
      counts.set(k, (counts.get(k) ?? 0) + f);
      const list = where.get(k);
      if (list === undefined) where.set(k, [w]);
      else if (list[list.length - 1] !== w) list.push(w);
    }
  }
  const heap = new PairHeap();
  for (const [k, c] of counts) heap.push(c, k);

  // 3. Merge the most frequent pair until the vocabulary is full.
  const merges: [number, number][] = [];
  const visited = new Int32Array(words.length).fill(-1);
  const changed = new Set<number>();
  while (firstMergeId + merges.length < vocabSize && heap.size > 0) {
    const [count, key] = heap.pop();
    if (counts.get(key) !== count) continue; // stale entry
    if (count < minFrequency) break;
    const a = pairLeft(key);
    const b = pairRight(key);
    const z = firstMergeId + merges.length;
    merges.push([a, b]);
    changed.clear();
    const list = where.get(key) ?? [];
    where.delete(key);
    for (const w of list) {
      if (visited[w] === z) continue;
      visited[w] = z;
      const word = words[w];
      const f = freqs[w];
      let found = false;
      for (let i = 0; i + 1 < word.length; i++) {
        if (word[i] === a && word[i + 1] === b) {
          found = true;
          break;
        }
      }
      if (!found) continue; // a stale occurrence: an earlier merge consumed it
      for (let i = 0; i + 1 < word.length; i++) {
        const k = pairKey(word[i], word[i + 1]);
        counts.set(k, counts.get(k)! - f);
        changed.add(k);
      }
      const merged: number[] = [];
      for (let i = 0; i < word.length; i++) {
        if (i + 1 < word.length && word[i] === a && word[i + 1] === b) {
          merged.push(z);
          i++;
        } else merged.push(word[i]);
      }
      words[w] = merged;
      for (let i = 0; i + 1 < merged.length; i++) {
        const k = pairKey(merged[i], merged[i + 1]);
        counts.set(k, (counts.get(k) ?? 0) + f);
        changed.add(k);
        if (merged[i] === z || merged[i + 1] === z) {
          const l = where.get(k);
          if (l === undefined) where.set(k, [w]);
          else if (l[l.length - 1] !== w) l.push(w);
        }
      }
    }
    counts.delete(key);
    for (const k of changed) {
      const c = counts.get(k);
      if (c === undefined) continue;
      if (c <= 0) {
        counts.delete(k);
        where.delete(k);
      } else heap.push(c, k);
    }
  }
  return merges;
}

/** A binary max-heap of (count, pair) with ties going to the smaller pair key. */
class PairHeap {
  private c: number[] = [];
  private k: number[] = [];

  get size(): number {
    return this.c.length;
  }

  private above(i: number, j: number): boolean {
    return this.c[i] > this.c[j] || (this.c[i] === this.c[j] && this.k[i] < this.k[j]);
  }

  private swap(i: number, j: number): void {
    const c = this.c[i];
    this.c[i] = this.c[j];
    this.c[j] = c;
    const k = this.k[i];
    this.k[i] = this.k[j];
    this.k[j] = k;
  }

  push(count: number, key: number): void {
    this.c.push(count);
    this.k.push(key);
    let i = this.c.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.above(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  pop(): [number, number] {
    const top: [number, number] = [this.c[0], this.k[0]];
    const lastC = this.c.pop()!;
    const lastK = this.k.pop()!;
    if (this.c.length > 0) {
      this.c[0] = lastC;
      this.k[0] = lastK;
      let i = 0;
      const n = this.c.length;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < n && this.above(l, m)) m = l;
        if (r < n && this.above(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
}
