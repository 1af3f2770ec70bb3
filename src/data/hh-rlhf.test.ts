import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { sharedFile } from '../tokenizer/shared-data.js';
import { hhRankings, parseTurns, readHhPairs, splitHhDialogues } from './hh-rlhf.js';
import { RankingRecord } from './ranking.js';

const prefix = '\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Tell me a joke.\n\nAssistant:';

describe('HH-RLHF pairs', () => {
  it('splits the shared dialogue from the two final answers', () => {
    const p = splitHhDialogues(`${prefix} Why did the chicken…`, `${prefix} No.`);
    expect(p).toEqual({
      prompt: 'Human: Hi\n\nAssistant: Hello!\n\nHuman: Tell me a joke.\n\nAssistant:',
      chosen: 'Why did the chicken…',
      rejected: 'No.',
      turns: [
        { role: 'human', text: 'Hi' },
        { role: 'assistant', text: 'Hello!' },
        { role: 'human', text: 'Tell me a joke.' },
      ],
    });
    expect(splitHhDialogues('\n\nHuman: a\n\nAssistant: x', '\n\nHuman: b\n\nAssistant: y')).toMatch(
      /differ before/,
    );
    expect(splitHhDialogues(`${prefix} same`, `${prefix} same `)).toMatch(/identical/);
    expect(parseTurns('\n\nHuman: q\n\nAssistant:')).toEqual([{ role: 'human', text: 'q' }]);
  });

  it('reads .jsonl.gz, reports unusable lines, and names a bad field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rein-hh-'));
    try {
      const lines = [
        { chosen: `${prefix} A`, rejected: `${prefix} B` },
        { chosen: '\n\nHuman: a\n\nAssistant: x', rejected: '\n\nHuman: b\n\nAssistant: y' },
      ];
      const gz = join(dir, 'p.jsonl.gz');
      writeFileSync(gz, gzipSync(lines.map((l) => JSON.stringify(l)).join('\n')));
      const r = readHhPairs(gz);
      expect(r.pairs.map((p) => [p.chosen, p.rejected])).toEqual([['A', 'B']]);
      expect(r.skipped).toEqual([
        { line: 2, reason: 'chosen and rejected differ before their last assistant turn' },
      ]);
      const recs = hhRankings(r.pairs, { round: 'hh' });
      expect(RankingRecord.parse(recs[0]).ordering).toEqual([['chosen'], ['rejected']]);
      expect(hhRankings(readHhPairs(gz).pairs, { round: 'hh' })[0].id).toBe(recs[0].id);
      const bad = join(dir, 'bad.jsonl');
      writeFileSync(bad, `${JSON.stringify(lines[0])}\n{"chosen": "x", "rejected": 3}\n`);
      expect(() => readHhPairs(bad)).toThrow(/bad\.jsonl:2: field 'rejected'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const file = sharedFile('hh-rlhf', 'harmless-base-dev.jsonl.gz');
  if (!file)
    console.warn(
      'skipping the real HH-RLHF test: shared data folder hh-rlhf/harmless-base-dev.jsonl.gz not found',
    );
  it.skipIf(!file)('reads the 1,800 real pairs', () => {
    const r = readHhPairs(file!);
    // Counted independently: 2 of the 1,800 lines differ before their final assistant turn.
    expect(r.pairs.length + r.skipped.length).toBe(1800);
    expect(r.skipped).toHaveLength(2);
    expect(r.pairs[0].prompt.startsWith('Human: what are some pranks with a pen i can do?')).toBe(true);
    expect(r.pairs[0].prompt.endsWith('\n\nAssistant:')).toBe(true);
    expect(r.pairs[0].chosen.startsWith('No, sorry!')).toBe(true);
    expect(r.pairs[0].rejected.startsWith('There are lots of funny things')).toBe(true);
    expect(r.pairs.every((p) => p.chosen !== p.rejected && !p.chosen.includes('\n\nHuman:'))).toBe(true);
  });
});
