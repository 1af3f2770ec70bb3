import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPromptsFile } from './candidates-file.js';

const dir = mkdtempSync(join(tmpdir(), 'rein-cands-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, lines: unknown[]) => {
  const f = join(dir, name);
  writeFileSync(f, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n'));
  return f;
};

describe('readPromptsFile', () => {
  it('reads nested records, world prompt records with candidates, bare prompts and single answers', () => {
    const f = write('a.jsonl', [
      { prompt: 'Hi?', candidates: ['a', { id: 'x', text: 'b', source: 'sft' }] },
      { prompt: { id: 'p2', text: '你好', lang: 'zh' }, candidates: ['一', '二', '三'] },
      {
        id: 'w1',
        family: 'fact',
        lang: 'en',
        text: 'Capital of France?',
        template: 'fact.en.0',
        entity: 'capital:france',
        candidates: ['Paris', 'Rome'],
      },
      { id: 'w2', family: 'unknown', lang: 'en', text: 'Capital of Zorbia?' },
      { prompt: 'Rate me', candidates: ['the one answer'] },
    ]);
    expect(readPromptsFile(f)).toEqual([
      {
        id: undefined,
        text: 'Hi?',
        family: undefined,
        lang: undefined,
        candidates: [{ text: 'a' }, { id: 'x', text: 'b', source: 'sft' }],
      },
      {
        id: 'p2',
        text: '你好',
        family: undefined,
        lang: 'zh',
        candidates: [{ text: '一' }, { text: '二' }, { text: '三' }],
      },
      {
        id: 'w1',
        text: 'Capital of France?',
        family: 'fact',
        lang: 'en',
        candidates: [{ text: 'Paris' }, { text: 'Rome' }],
      },
      { id: 'w2', text: 'Capital of Zorbia?', family: 'unknown', lang: 'en', candidates: [] },
      // one candidate: a rating task
      {
        id: undefined,
        text: 'Rate me',
        family: undefined,
        lang: undefined,
        candidates: [{ text: 'the one answer' }],
      },
    ]);
  });
  it("reads TRL's conversational prompts, rendered as one prompt", () => {
    const f = write('chat.jsonl', [
      { prompt: [{ role: 'user', content: 'Hi?' }], candidates: ['a', 'b'] },
      {
        prompt: [
          { role: 'user', content: '2+2?' },
          { role: 'assistant', content: '4.' },
          { role: 'user', content: 'And 3+3?' },
        ],
      },
    ]);
    expect(readPromptsFile(f).map((p) => [p.text, p.candidates.length])).toEqual([
      ['Hi?', 2],
      ['User: 2+2?\n\nAssistant: 4.\n\nUser: And 3+3?', 0],
    ]);
  });

  it('names file, line and field of a bad record', () => {
    expect(() =>
      readPromptsFile(
        write('b.jsonl', [{ prompt: 'ok', candidates: ['a', 'b'] }, '', { prompt: 'x', candidates: [1, 2] }]),
      ),
    ).toThrow(/b\.jsonl:3: field 'candidates\.0'/);
    const many = Array.from({ length: 17 }, (_, i) => `answer ${i}`);
    expect(() => readPromptsFile(write('c.jsonl', [{ prompt: 'x', candidates: many }]))).toThrow(
      /c\.jsonl:1: field 'candidates': at most 16 \(0: a demonstration, 1: a rating, 2–16: a ranking\)/,
    );
    expect(() => readPromptsFile(write('d.jsonl', ['{oops']))).toThrow(/d\.jsonl:1: not valid JSON/);
    expect(() => readPromptsFile(write('e.jsonl', [{ family: 'x' }]))).toThrow(/e\.jsonl:1: field 'text'/);
  });
  it('names file and line of a prompt whose candidate ids repeat', () => {
    const ok = { prompt: 'ok', candidates: ['a', 'b'] };
    const twice = { prompt: 'x', candidates: [{ id: 'm', text: 'a' }, 'b', { id: 'm', text: 'c' }] };
    expect(() => readPromptsFile(write('f.jsonl', [ok, twice]))).toThrow(
      /f\.jsonl:2: field 'candidates': candidate id 'm' appears twice$/,
    );
    // A candidate without an id is c<position>, which a named one may already be.
    const implicit = { prompt: 'x', candidates: [{ id: 'c1', text: 'a' }, 'b'] };
    expect(() => readPromptsFile(write('g.jsonl', [ok, ok, implicit]))).toThrow(
      /g\.jsonl:3: field 'candidates': candidate id 'c1' appears twice \(the id a candidate without one gets at position 1\)/,
    );
  });
});
