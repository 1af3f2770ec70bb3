import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedFile } from '../tokenizer/shared-data.js';
import { readDemonstrations } from './demo-file.js';
import type { DemoRecord } from './demos.js';

const dir = mkdtempSync(join(tmpdir(), 'rein-demo-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readDemonstrations', () => {
  it("reads rein's {prompt, response} lines, keeping extra fields", () => {
    const file = join(dir, 'demos.jsonl');
    writeFileSync(file, '\n{"prompt":"Hi?","response":"Hello.","family":"fact"}\n');
    expect(readDemonstrations(file)).toEqual({
      format: 'demos',
      demos: [{ prompt: 'Hi?', response: 'Hello.', family: 'fact' }],
    });
  });

  it('reads an Open Assistant tree file as its rank-0 replies', () => {
    const file = join(dir, 'trees.jsonl');
    const reply = (id: string, text: string, rank: number) => ({
      message_id: id,
      role: 'assistant',
      text,
      rank,
    });
    const tree = {
      message_tree_id: 't',
      prompt: {
        message_id: 'p',
        role: 'prompter',
        text: 'Hi?',
        replies: [reply('a', 'Meh', 1), reply('b', 'Hello!', 0)],
      },
    };
    writeFileSync(file, `${JSON.stringify(tree)}\n`);
    const read = readDemonstrations(file);
    expect(read.format).toBe('oasst');
    expect(read.demos).toHaveLength(1);
    const [demo] = read.demos as DemoRecord[];
    expect(demo.response).toBe('Hello!');
    expect(demo.prompt).toContain('Hi?');
  });

  it("reads TRL's language-modelling {text} lines as texts to learn whole", () => {
    const file = join(dir, 'texts.jsonl');
    writeFileSync(file, '{"text":"Once upon a time."}\n{"text":"The end.","source":"x"}\n');
    expect(readDemonstrations(file)).toEqual({
      format: 'text',
      demos: [{ text: 'Once upon a time.' }, { text: 'The end.' }],
    });
  });

  it('names the file and line of a bad record', () => {
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, '{"prompt":"a","response":"b"}\n{"prompt":"c"}\n');
    expect(() => readDemonstrations(file)).toThrow(/bad\.jsonl:2.*response/);
    writeFileSync(file, '{not json\n');
    expect(() => readDemonstrations(file)).toThrow(/bad\.jsonl:1.*not valid JSON/);
  });

  const shared = sharedFile('oasst/en_100_tree.jsonl');
  it.skipIf(!shared)('reads the shared Open Assistant trees (skipped without ../shared/data)', () => {
    const read = readDemonstrations(shared as string);
    expect(read.format).toBe('oasst');
    expect(read.demos.length).toBeGreaterThanOrEqual(100); // at least one rank-0 reply per tree
    for (const d of read.demos as DemoRecord[]) expect(d.response.length).toBeGreaterThan(0);
  });
});
