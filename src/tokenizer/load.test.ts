import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BpeTokenizer } from './bpe.js';
import { gpt2TokenizerJson } from './hf-fixture.js';
import { loadTokenizer } from './load.js';
import { sharedFile } from './shared-data.js';

describe('loadTokenizer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rein-tok-'));

  it('tells rein and Hugging Face tokenizer.json files apart, from a file or a folder', () => {
    const rein = BpeTokenizer.train('abc abc abd '.repeat(10), 270);
    const reinDir = join(dir, 'rein');
    const hfDir = join(dir, 'hf');
    for (const [d, data] of [
      [reinDir, JSON.stringify(rein.toJson())],
      [hfDir, JSON.stringify(gpt2TokenizerJson())],
    ]) {
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'tokenizer.json'), data);
    }
    expect(loadTokenizer(reinDir).kind).toBe('rein-bpe');
    expect(loadTokenizer(join(hfDir, 'tokenizer.json')).kind).toBe('hf');
    expect(loadTokenizer(reinDir).encode('abc abd')).toEqual(rein.encode('abc abd'));
  });

  it('names the path when it is missing, empty or too big for the model', () => {
    expect(() => loadTokenizer(join(dir, 'nope.bin'))).toThrow(/nope\.bin: no such/);
    expect(() => loadTokenizer(mkdtempSync(join(tmpdir(), 'rein-empty-')))).toThrow(/has no tokenizer/);
    writeFileSync(join(dir, 'big.json'), JSON.stringify(BpeTokenizer.train('abc abc', 270).toJson()));
    expect(() => loadTokenizer(join(dir, 'big.json'), 100)).toThrow(/big\.json: .* only 100/);
  });

  const tok512 = sharedFile('llama2c', 'tok512.bin');
  it.skipIf(!tok512)('loads a llama2.c tokenizer (shared data)', () => {
    expect(loadTokenizer(tok512!, 512).kind).toBe('llama2c');
  });
});
