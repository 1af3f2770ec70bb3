import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { sharedFile } from '../../tokenizer/shared-data.js';
import { detectPreferenceFormat, flatPairs, loadPreferenceData, requirePairs } from './preference-data.js';

const dir = mkdtempSync(join(tmpdir(), 'rein-prefs-'));
function write(name: string, rows: unknown[], gz = false): string {
  const file = join(dir, name);
  const text = `\n${rows.map((r) => JSON.stringify(r)).join('\n')}\n`; // a blank first line is skipped
  writeFileSync(file, gz ? gzipSync(text) : text);
  return file;
}

const ranking = {
  id: 'r1',
  round: 'toy',
  labeler: 'ann',
  prompt: { id: 'p1', text: 'hi?' },
  candidates: [
    { id: 'a', text: 'A' },
    { id: 'b', text: 'B' },
    { id: 'c', text: 'C' },
  ],
  ordering: [['b'], ['a', 'c']],
};
const tree = {
  message_tree_id: 't',
  prompt: {
    message_id: 'p',
    role: 'prompter',
    text: 'Hi?',
    replies: [
      { message_id: 'x', role: 'assistant', text: 'X', rank: 1 },
      { message_id: 'y', role: 'assistant', text: 'Y', rank: 0 },
    ],
  },
};

describe('loadPreferenceData', () => {
  it('tells the four formats apart from the first line and reads each as ranked prompts', () => {
    const rankings = write('rankings.jsonl', [ranking]);
    const pairs = write('pairs.jsonl', [{ prompt: 'hi?', chosen: 'B', rejected: 'A' }]);
    const hh = write(
      'hh.jsonl.gz',
      [{ chosen: '\n\nHuman: hi?\n\nAssistant: B', rejected: '\n\nHuman: hi?\n\nAssistant: A' }],
      true,
    );
    const oasst = write('trees.jsonl', [tree]);
    expect([rankings, pairs, hh, oasst].map(detectPreferenceFormat)).toEqual([
      'rankings',
      'pairs',
      'hh',
      'oasst',
    ]);

    const r = loadPreferenceData(rankings);
    expect(r.data[0].pairs).toEqual([
      { winner: 1, loser: 0 },
      { winner: 1, loser: 2 },
    ]); // the a–c tie gives no pair
    expect(flatPairs(r.data)).toEqual([
      { prompt: 'hi?', chosen: 'B', rejected: 'A' },
      { prompt: 'hi?', chosen: 'B', rejected: 'C' },
    ]);
    expect(flatPairs(loadPreferenceData(pairs).data)).toEqual([
      { prompt: 'hi?', chosen: 'B', rejected: 'A' },
    ]);
    const h = loadPreferenceData(hh);
    expect(h.format).toBe('hh');
    expect(flatPairs(h.data)).toEqual([{ prompt: 'Human: hi?\n\nAssistant:', chosen: 'B', rejected: 'A' }]);
    const o = loadPreferenceData(oasst);
    expect(flatPairs(o.data)).toEqual([{ prompt: 'Hi?', chosen: 'Y', rejected: 'X' }]);
    // a named format overrides the detection (and its schema then judges the lines)
    expect(() => loadPreferenceData(pairs, 'rankings')).toThrow(/pairs\.jsonl:2: field 'id'/);
  });

  it("reads TRL's conversational pairs, with the prompt given or implicit in the answers", () => {
    const user = (content: string) => ({ role: 'user', content });
    const assistant = (content: string) => ({ role: 'assistant', content });
    const explicit = write('conversational.jsonl', [
      { prompt: [user('hi?')], chosen: [assistant('B')], rejected: [assistant('A')] },
    ]);
    const implicit = write('implicit.jsonl', [
      {
        chosen: [user('2+2?'), assistant('4.'), user('hi?'), assistant('B')],
        rejected: [user('2+2?'), assistant('4.'), user('hi?'), assistant('A')],
      },
    ]);
    expect([explicit, implicit].map(detectPreferenceFormat)).toEqual(['pairs', 'pairs']);
    expect(flatPairs(loadPreferenceData(explicit).data)).toEqual([
      { prompt: 'hi?', chosen: 'B', rejected: 'A' },
    ]);
    expect(flatPairs(loadPreferenceData(implicit).data)).toEqual([
      { prompt: 'User: 2+2?\n\nAssistant: 4.\n\nUser: hi?', chosen: 'B', rejected: 'A' },
    ]);
    const apart = write('apart.jsonl', [
      { chosen: [user('hi?'), assistant('B')], rejected: [user('hey?'), assistant('A')] },
    ]);
    expect(() => loadPreferenceData(apart)).toThrow(
      /apart\.jsonl:2: field 'rejected': chosen and rejected differ/,
    );
  });

  it('names the file and line it cannot read', () => {
    expect(() => detectPreferenceFormat(write('odd.jsonl', [{ question: 'q' }]))).toThrow(
      /odd\.jsonl:2: cannot tell the format/,
    );
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '\n\n');
    expect(() => detectPreferenceFormat(empty)).toThrow(/empty\.jsonl:1: the file is empty/);
    const broken = join(dir, 'broken.jsonl');
    writeFileSync(broken, '{"prompt": "a", "chosen"\n');
    expect(() => loadPreferenceData(broken)).toThrow(/broken\.jsonl:1: not valid JSON/);
    const bad = write('bad-pairs.jsonl', [
      { prompt: 'a', chosen: 'b', rejected: 'c' },
      { prompt: 'a', chosen: 'b', rejected: 7 },
    ]);
    expect(() => loadPreferenceData(bad)).toThrow(/bad-pairs\.jsonl:3: field 'rejected'/);
  });

  it('keeps the prompts that have a pair, and refuses data without any', () => {
    const one = { prompt: 'p', candidates: ['a', 'b'], pairs: [{ winner: 0, loser: 1 }] };
    const tie = { prompt: 'q', candidates: ['a', 'b'], pairs: [] };
    expect(requirePairs({ format: 'pairs', data: [one, tie], skipped: [] })).toEqual([one]);
    expect(() => requirePairs({ format: 'rankings', data: [tie], skipped: [] })).toThrow(
      /holds no preference pair \(every ranking is one tie\)/,
    );
  });

  const hhReal = sharedFile('hh-rlhf', 'harmless-base-dev.jsonl.gz');
  const oasstReal = sharedFile('oasst', 'en_100_tree.jsonl');
  if (!hhReal || !oasstReal)
    console.warn('skipping the real HH-RLHF/OASST detection test: shared data folder not found');
  it.skipIf(!hhReal || !oasstReal)('detects the real HH-RLHF and Open Assistant files (shared data)', () => {
    const hh = loadPreferenceData(hhReal!);
    expect(hh.format).toBe('hh');
    expect(hh.data.length + hh.skipped.length).toBe(1800);
    const oa = loadPreferenceData(oasstReal!);
    expect(oa.format).toBe('oasst');
    expect(oa.data.length).toBeGreaterThan(90);
    expect(oa.data.every((d) => d.candidates.length >= 2)).toBe(true);
  });
});
