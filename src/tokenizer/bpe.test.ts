import { describe, expect, it } from 'vitest';
import { BpeTokenizer, REIN_SPECIAL_TOKENS } from './bpe.js';
import { trainBpeMerges } from './bpe-train.js';

/** A small seeded generator (mulberry32), so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random strings over all of Unicode, biased toward the interesting parts, lone surrogates included. */
function randomString(r: () => number): string {
  const n = Math.floor(r() * 40);
  let s = '';
  for (let i = 0; i < n; i++) {
    const kind = r();
    if (kind < 0.25) s += String.fromCharCode(32 + Math.floor(r() * 95));
    else if (kind < 0.35) s += ' \n\t  '[Math.floor(r() * 5)];
    else if (kind < 0.5)
      s += String.fromCodePoint(0x4e00 + Math.floor(r() * 0x5000)); // CJK
    else if (kind < 0.6)
      s += String.fromCodePoint(0x1f300 + Math.floor(r() * 0x300)); // emoji
    else if (kind < 0.65)
      s += String.fromCharCode(0xd800 + Math.floor(r() * 0x800)); // lone surrogate
    else if (kind < 0.7) s += REIN_SPECIAL_TOKENS[Math.floor(r() * 4)];
    else {
      let cp = Math.floor(r() * 0x110000);
      if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xe000;
      s += String.fromCodePoint(cp);
    }
  }
  return s;
}

const corpus = [
  'The quick brown fox jumps over the lazy dog. ',
  'Once upon a time there was a little girl who loved to play in the park. ',
  '今天天气很好，我们去公园散步吧。我喜欢在公园里看书。',
  "It's 2024 and we're testing a tokenizer: don't panic! ",
].join('\n');
const bigCorpus = Array.from({ length: 30 }, (_, i) => `${corpus} ${i} `).join('');

describe('BpeTokenizer', () => {
  const tok = BpeTokenizer.train(bigCorpus, 400);

  it('learns merges that shorten the training text', () => {
    expect(tok.vocabSize).toBeGreaterThan(300);
    expect(tok.vocabSize).toBeLessThanOrEqual(400);
    const bytes = Buffer.byteLength(corpus, 'utf8');
    expect(tok.encode(corpus).length).toBeLessThan(bytes / 2);
  });

  it('round-trips random Unicode exactly (property test, 2,000 strings)', () => {
    const r = rng(1234);
    const failures: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const s = randomString(r);
      const ids = tok.encode(s);
      if (tok.decode(ids) !== s || ids.some((id) => id >= tok.vocabSize)) failures.push(JSON.stringify(s));
    }
    expect(failures).toEqual([]);
  });

  it('never produces a special token from text, even when the text spells one', () => {
    const specials = new Set(tok.specialTokens().values());
    const ids = tok.encode('<|user|>hi<|assistant|>there<|end|><|pad|>');
    expect(ids.some((id) => specials.has(id))).toBe(false);
    expect(tok.decode(ids)).toBe('<|user|>hi<|assistant|>there<|end|><|pad|>');
  });

  it('has each special token as one id and renders it only when asked', () => {
    const user = tok.specialTokenId('<|user|>')!;
    const end = tok.specialTokenId('<|end|>')!;
    expect(tok.eosId).toBe(end);
    expect(tok.padId).toBe(tok.specialTokenId('<|pad|>'));
    const ids = [user, ...tok.encode('hi'), end];
    expect(tok.decode(ids)).toBe('hi');
    expect(tok.decode(ids, { skipSpecial: false })).toBe('<|user|>hi<|end|>');
    expect(tok.piece(end)).toBe('<|end|>');
  });

  it('saves to JSON and loads back to the same encoding', () => {
    const back = BpeTokenizer.fromJson(JSON.parse(JSON.stringify(tok.toJson())));
    expect(back.encode(corpus)).toEqual(tok.encode(corpus));
    expect(back.vocabSize).toBe(tok.vocabSize);
  });

  it('rejects a foreign or broken file with a message naming it', () => {
    expect(() => BpeTokenizer.fromJson({ model: {} }, 'x/tokenizer.json')).toThrow(
      /x\/tokenizer\.json.*rein-bpe/,
    );
    const bad = { ...tok.toJson(), merges: [[0, 999999]] as [number, number][] };
    expect(() => BpeTokenizer.fromJson(bad, 'y.json')).toThrow(/y\.json: .*merge 0/);
  });

  it('rejects ids outside the vocabulary', () => {
    expect(() => tok.decode([tok.vocabSize])).toThrow(/outside/);
  });

  it('trains deterministically', () => {
    expect(BpeTokenizer.train(bigCorpus, 400).toJson().merges).toEqual(tok.toJson().merges);
  });
});

describe('trainBpeMerges', () => {
  /** The textbook algorithm: recount every pair after every merge. */
  function naiveMerges(words: Map<string, number>, count: number, firstId: number): [number, number][] {
    const ws = [...words].map(([w, f]) => ({ ids: Array.from(Buffer.from(w, 'utf8')), f }));
    const merges: [number, number][] = [];
    for (let m = 0; m < count; m++) {
      const counts = new Map<string, number>();
      for (const { ids, f } of ws)
        for (let i = 0; i + 1 < ids.length; i++) {
          const k = `${ids[i]},${ids[i + 1]}`;
          counts.set(k, (counts.get(k) ?? 0) + f);
        }
      let best: [number, number] | null = null;
      let bestC = 1;
      for (const [k, c] of counts) {
        const [a, b] = k.split(',').map(Number);
        if (c > bestC || (c === bestC && best && (a < best[0] || (a === best[0] && b < best[1])))) {
          if (c >= 2) {
            best = [a, b];
            bestC = c;
          }
        }
      }
      if (!best) break;
      merges.push(best);
      const id = firstId + m;
      for (const w of ws) {
        const out: number[] = [];
        for (let i = 0; i < w.ids.length; i++) {
          if (i + 1 < w.ids.length && w.ids[i] === best[0] && w.ids[i + 1] === best[1]) {
            out.push(id);
            i++;
          } else out.push(w.ids[i]);
        }
        w.ids = out;
      }
    }
    return merges;
  }

  it('matches naive recounting on a corpus with repeats and overlaps', () => {
    const text = 'aaaa aaa aa banana bandana ananas aaab abab ababab 香蕉香蕉 香蕉 '.repeat(3);
    const fast = trainBpeMerges(text, { vocabSize: 256 + 4 + 30, specialCount: 4 });
    const words = new Map<string, number>();
    for (const w of text.match(/ ?\S+|\s+/g)!) words.set(w, (words.get(w) ?? 0) + 1);
    expect(fast).toEqual(naiveMerges(words, 30, 260));
  });
});
