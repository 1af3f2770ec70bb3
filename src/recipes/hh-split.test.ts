import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedFile } from '../tokenizer/shared-data.js';
import { hhPreference, readHhSplit } from './hh-split.js';

const dialogue = (q: string, a: string) => `\n\nHuman: ${q}\n\nAssistant: ${a}`;

describe('readHhSplit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rein-hh-split-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps each side its own dialogue when the two differ before the last reply', () => {
    expect(hhPreference(3, dialogue('q', 'good'), dialogue('q', 'bad'))).toEqual({
      line: 3,
      chosen: { prompt: 'Human: q\n\nAssistant:', answer: 'good' },
      rejected: { prompt: 'Human: q\n\nAssistant:', answer: 'bad' },
    });
    const odd = hhPreference(4, `${dialogue('q', 'a')}\n\nHuman: r${dialogue('', 'x')}`, dialogue('q', 'y'));
    expect(odd).toMatchObject({
      chosen: { answer: 'x' },
      rejected: { prompt: 'Human: q\n\nAssistant:', answer: 'y' },
    });
    expect(hhPreference(5, 'no turns', 'none here')).toMatch(/no "Assistant:" turn/);
  });

  it('takes the first and the last lines, skips what carries no preference, names bad lines', () => {
    const lines = Array.from({ length: 7 }, (_, i) =>
      JSON.stringify({
        chosen: dialogue(`q${i}`, `yes ${i}`),
        rejected: dialogue(`q${i}`, i === 5 ? `yes ${i}` : `no ${i}`),
      }),
    );
    const file = join(dir, 'hh.jsonl.gz');
    writeFileSync(file, gzipSync(`${lines.join('\n')}\n\n`));
    const s = readHhSplit(file, { train: 3, validation: 3 });
    expect(s.lines).toBe(7);
    expect(s.train.map((p) => p.line)).toEqual([1, 2, 3]);
    expect(s.validation.map((p) => p.line)).toEqual([5, 7]);
    expect(s.skipped).toEqual([{ line: 6, reason: 'chosen and rejected final answers are identical' }]);
    expect(s.validation[0].chosen.answer).toBe('yes 4');
    expect(() => readHhSplit(file, { train: 5, validation: 3 })).toThrow(
      /7 lines, fewer than the 5 training \+ 3 validation/,
    );
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, `${lines[0]}\n{"chosen": "x"}\n`);
    expect(() => readHhSplit(bad, { train: 1, validation: 1 })).toThrow(/bad\.jsonl:2: field 'rejected'/);
  });

  const real = sharedFile('hh-rlhf', 'harmless-base-dev.jsonl.gz');
  if (!real)
    console.warn('skipping the real HH-RLHF split test: shared hh-rlhf/harmless-base-dev.jsonl.gz not found');
  it.skipIf(!real)('splits the real file into 1,500 training and 300 validation pairs', () => {
    const s = readHhSplit(real!, { train: 1500, validation: 300 });
    expect(s.lines).toBe(1800);
    expect(s.train.length + s.validation.length + s.skipped.length).toBe(1800);
    expect(s.validation.length).toBe(300);
    expect(s.train.length).toBeGreaterThanOrEqual(1499);
  });
});
