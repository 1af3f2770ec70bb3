import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPrompts } from './prompt-data.js';

const dir = mkdtempSync(join(tmpdir(), 'rein-prompts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadPrompts', () => {
  it("reads {text} lines, {prompt} lines and TRL's conversational prompts, in file order", () => {
    const file = join(dir, 'prompts.jsonl');
    const rows = [
      { id: 'a', text: 'Hi?' },
      { prompt: 'What is 2 plus 2?', chosen: 'x', rejected: 'y' },
      { prompt: [{ role: 'user', content: 'Hello?' }] },
      {
        prompt: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Why?' },
        ],
      },
    ];
    writeFileSync(file, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
    expect(loadPrompts(file)).toEqual([
      'Hi?',
      'What is 2 plus 2?',
      'Hello?',
      'System: Be brief.\n\nUser: Why?',
    ]);
  });

  it('names the line and field of a line without a prompt', () => {
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, '{"text":"Hi?"}\n{"question":"Why?"}\n');
    expect(() => loadPrompts(file)).toThrow(
      /bad\.jsonl:2: field 'text': a prompt line needs a string "text"/,
    );
  });
});
