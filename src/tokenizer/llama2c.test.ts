import { describe, expect, it } from 'vitest';
import { Llama2cTokenizer } from './llama2c.js';
import { sharedFile } from './shared-data.js';

/** Builds a llama2.c tokenizer file from (piece, score) pairs. */
function tokFile(entries: [string, number][]): Uint8Array {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(4);
  head.writeInt32LE(16);
  parts.push(head);
  for (const [piece, score] of entries) {
    const b = Buffer.from(piece, 'utf8');
    const h = Buffer.alloc(8);
    h.writeFloatLE(score, 0);
    h.writeInt32LE(b.length, 4);
    parts.push(h, b);
  }
  return new Uint8Array(Buffer.concat(parts));
}

/** llama2.c's encode, written the slow way it is in run.c: rescan all pairs after every merge. */
function referenceEncode(tok: Llama2cTokenizer, text: string): number[] {
  const vocab = new Map<string, number>();
  for (let i = tok.vocabSize - 1; i >= 0; i--) vocab.set(tok.piece(i), i);
  if (text === '') return [];
  const ids: number[] = [vocab.get(' ')!];
  for (const ch of text) {
    const id = vocab.get(ch);
    if (id !== undefined) ids.push(id);
    else for (const b of Buffer.from(ch, 'utf8')) ids.push(b + 3);
  }
  for (;;) {
    let best = -1e10;
    let bestId = -1;
    let bestIdx = -1;
    for (let i = 0; i + 1 < ids.length; i++) {
      const id = vocab.get(tok.piece(ids[i]) + tok.piece(ids[i + 1]));
      if (id !== undefined && tok.score(id) > best) {
        best = tok.score(id);
        bestId = id;
        bestIdx = i;
      }
    }
    if (bestIdx < 0) return ids;
    ids.splice(bestIdx, 2, bestId);
  }
}

const bytePieces: [string, number][] = Array.from({ length: 256 }, (_, b) => [
  `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`,
  0,
]);
const tiny = Llama2cTokenizer.parse(
  tokFile([
    ['<unk>', 0],
    ['<s>', 0],
    ['</s>', 0],
    ...bytePieces,
    [' ', -1],
    ['a', -2],
    ['b', -3],
    ['ab', -4],
    [' ab', -5],
    ['aa', -1.5],
    ['é', -6],
  ]),
  'tiny.bin',
);

describe('Llama2cTokenizer (synthetic vocabulary)', () => {
  it('merges by score, leftmost first, after a dummy-prefix space', () => {
    // "aab": pairs aa (-1.5) beats ab (-4): [' ', aa, b]
    const ids = tiny.encode('aab');
    expect(ids.map((i) => tiny.piece(i))).toEqual([' ', 'aa', 'b']);
    expect(tiny.encode('ab').map((i) => tiny.piece(i))).toEqual([' ab']);
    expect(tiny.encode('abab')).toEqual(referenceEncode(tiny, 'abab'));
  });

  it('falls back to byte pieces for characters it lacks, and decodes them back', () => {
    const ids = tiny.encode('a€é\n');
    expect(ids.map((i) => tiny.piece(i))).toEqual([' ', 'a', '<0xE2>', '<0x82>', '<0xAC>', 'é', '<0x0A>']);
    expect(tiny.decode(ids)).toBe('a€é\n');
    expect(tiny.decode([1, ...ids])).toBe('a€é\n');
  });

  it('matches the quadratic llama2.c algorithm on random strings', () => {
    let s = 7;
    const rand = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let n = 0; n < 300; n++) {
      let text = '';
      const len = Math.floor(rand() * 20);
      for (let i = 0; i < len; i++) text += 'ab éx€'[Math.floor(rand() * 6)];
      expect(tiny.encode(text)).toEqual(referenceEncode(tiny, text));
    }
  });

  it('rejects truncated and foreign files, naming them', () => {
    const good = tokFile([
      ['<unk>', 0],
      ['<s>', 0],
      ['</s>', 0],
      ['hello', 1],
    ]);
    expect(() => Llama2cTokenizer.parse(good.subarray(0, good.length - 2), 'cut.bin')).toThrow(
      /cut\.bin: truncated/,
    );
    expect(() => Llama2cTokenizer.parse(new TextEncoder().encode('{"model": 1}'), 'x.json')).toThrow(
      /x\.json: not a llama2\.c tokenizer/,
    );
    expect(() => Llama2cTokenizer.parse(good, 'small.bin', 10)).toThrow(
      /small\.bin: holds 4 tokens but .* 10/,
    );
  });
});

const tok512 = sharedFile('llama2c', 'tok512.bin');
const tok32k = sharedFile('llama2c', 'tokenizer.bin');
const absent = ' — skipped: shared data folder absent (../shared/data or REIN_SHARED_DATA)';

describe.skipIf(!tok512)(`tok512.bin (shared data)${tok512 ? '' : absent}`, () => {
  it('round-trips text and agrees with the reference algorithm', () => {
    const tok = Llama2cTokenizer.load(tok512!, 512);
    expect(tok.vocabSize).toBe(512);
    for (const text of [
      'Once upon a time, there was a little girl named Lily.',
      'Hi!\n"Yes," she said. 123',
      ' lead',
    ]) {
      const ids = tok.encode(text);
      expect(ids).toEqual(referenceEncode(tok, text));
      expect(tok.decode(ids)).toBe(text);
    }
  });
});

describe.skipIf(!tok32k)(`Llama 2 tokenizer.bin (shared data)${tok32k ? '' : absent}`, () => {
  const tok = tok32k ? Llama2cTokenizer.load(tok32k, 32000) : null!;

  it("reproduces llama2.c's test.c encodings (Meta's reference token ids)", () => {
    const cases: [string, number[]][] = [
      ['', []],
      ['I believe the meaning of life is', [306, 4658, 278, 6593, 310, 2834, 338]],
      [
        'Simply put, the theory of relativity states that ',
        [3439, 17632, 1925, 29892, 278, 6368, 310, 14215, 537, 5922, 393, 29871],
      ],
      [
        'A brief message congratulating the team on the launch:\n\n        Hi everyone,\n\n        I just ',
        [
          319, 11473, 2643, 378, 629, 271, 18099, 278, 3815, 373, 278, 6826, 29901, 13, 13, 4706, 6324, 14332,
          29892, 13, 13, 4706, 306, 925, 29871,
        ],
      ],
      [
        'Translate English to French:\n\n        sea otter => loutre de mer\n        peppermint => menthe poivrée\n        plush girafe => girafe peluche\n        cheese =>',
        [
          4103, 9632, 4223, 304, 5176, 29901, 13, 13, 4706, 7205, 4932, 357, 1149, 301, 449, 276, 316, 2778,
          13, 4706, 1236, 407, 837, 524, 1149, 6042, 354, 772, 440, 29878, 1318, 13, 4706, 715, 1878, 330,
          3055, 1725, 1149, 330, 3055, 1725, 4639, 28754, 13, 4706, 923, 968, 1149,
        ],
      ],
    ];
    for (const [text, ids] of cases) {
      expect(tok.encode(text)).toEqual(ids);
      expect(tok.decode([1, ...ids])).toBe(text);
    }
  });

  it('round-trips Unicode text, Chinese and emoji included', () => {
    for (const text of ['今天天气很好，我们去公园散步吧。', 'naïve café 🎉 — ok', 'tabs\tand\nnewlines  ']) {
      expect(tok.decode(tok.encode(text))).toBe(text);
    }
  });
});
