import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { looksLikeBinaryFeedback, readBinaryFeedback } from './binary-feedback.js';
import { DataFileError } from './jsonl.js';

const dir = mkdtempSync(join(tmpdir(), 'rein-binary-feedback-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, name.endsWith('.gz') ? gzipSync(text) : text);
  return file;
}

const lines = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n');

describe('binary feedback records', () => {
  it("reads TRL's unpaired format from .jsonl and .jsonl.gz, extra keys ignored", () => {
    const rows = [
      { prompt: 'hi?', completion: 'hello', label: true },
      { prompt: 'hi?', completion: 'go away', label: false, source: 'app' },
    ];
    const expected = [
      { prompt: 'hi?', completion: 'hello', label: true },
      { prompt: 'hi?', completion: 'go away', label: false },
    ];
    expect(readBinaryFeedback(write('f.jsonl', `\n${lines(rows)}\n`))).toEqual(expected);
    expect(readBinaryFeedback(write('f.jsonl.gz', lines(rows)))).toEqual(expected);
  });

  it('names the file, line and field of a bad record', () => {
    const good = { prompt: 'a', completion: 'b', label: true };
    const bad = (name: string, record: unknown) =>
      write(name, `${lines([good])}\n\n${JSON.stringify(record)}\n`);
    const fails = (file: string, message: RegExp) => {
      expect(() => readBinaryFeedback(file)).toThrow(DataFileError);
      expect(() => readBinaryFeedback(file)).toThrow(message);
    };
    fails(bad('label.jsonl', { ...good, label: 'yes' }), /label\.jsonl:3: field 'label'/);
    fails(bad('missing.jsonl', { prompt: 'a', label: false }), /missing\.jsonl:3: field 'completion'/);
    fails(write('broken.jsonl', '{"prompt": "a", "completion"\n'), /broken\.jsonl:1: not valid JSON/);
  });

  it('is told from the preference formats by completion and label', () => {
    expect(looksLikeBinaryFeedback({ prompt: 'a', completion: 'b', label: true })).toBe(true);
    expect(looksLikeBinaryFeedback({ prompt: 'a', chosen: 'b', rejected: 'c' })).toBe(false);
    expect(looksLikeBinaryFeedback({ prompt: 'a', completion: 'b' })).toBe(false); // SFT-style prompt/completion
  });
});
