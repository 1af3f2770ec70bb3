import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedFile } from '../tokenizer/shared-data.js';
import { type OasstTree, oasstDemonstrations, oasstRankings, readOasstTrees } from './oasst.js';
import { RankingRecord } from './ranking.js';

const tree: OasstTree = {
  message_tree_id: 't1',
  prompt: {
    message_id: 'p',
    role: 'prompter',
    text: 'Hi?',
    lang: 'en',
    replies: [
      { message_id: 'a', role: 'assistant', text: 'A', rank: 2, replies: [] },
      {
        message_id: 'b',
        role: 'assistant',
        text: 'B',
        rank: 0,
        replies: [
          {
            message_id: 'q',
            role: 'prompter',
            text: 'More?',
            replies: [
              { message_id: 'x', role: 'assistant', text: 'X', rank: 1 },
              { message_id: 'y', role: 'assistant', text: 'Y', rank: 1 },
              { message_id: 'z', role: 'assistant', text: 'Z', rank: 0 },
            ],
          },
        ],
      },
      { message_id: 'c', role: 'assistant', text: 'C', rank: 1, replies: [] },
      { message_id: 'd', role: 'assistant', text: 'deleted', rank: 3, deleted: true },
      { message_id: 'e', role: 'assistant', text: 'unranked', rank: null },
    ],
  },
};

describe('oasst trees', () => {
  it('turns ranked sibling replies into K-way rankings with ties, skipping deleted and unranked', () => {
    const recs = oasstRankings([tree], { round: 'oa' });
    expect(recs).toHaveLength(2);
    const root = recs.find((r) => r.prompt.id === 'oasst-p')!;
    expect(RankingRecord.parse(root)).toBeTruthy();
    expect(root.candidates.map((c) => c.id)).toEqual(['a', 'b', 'c']);
    expect(root.ordering).toEqual([['b'], ['c'], ['a']]);
    expect(root.prompt).toEqual({ id: 'oasst-p', text: 'Hi?', lang: 'en' });
    const deep = recs.find((r) => r.prompt.id === 'oasst-q')!;
    expect(deep.ordering).toEqual([['z'], ['x', 'y']]);
    expect(deep.prompt.text).toBe('User: Hi?\n\nAssistant: B\n\nUser: More?');
    expect(oasstRankings([tree], { round: 'oa', firstTurnOnly: true })).toHaveLength(1);
  });

  it('takes rank-0 replies as demonstrations', () => {
    expect(oasstDemonstrations([tree])).toEqual([
      { prompt: 'Hi?', response: 'B' },
      { prompt: 'User: Hi?\n\nAssistant: B\n\nUser: More?', response: 'Z' },
    ]);
  });

  it('names the file, line and field of a bad tree', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rein-oasst-'));
    try {
      const f = join(dir, 't.jsonl');
      writeFileSync(
        f,
        `${JSON.stringify(tree)}\n${JSON.stringify({ message_tree_id: 'x', prompt: { message_id: 'm', role: 'bot', text: '' } })}\n`,
      );
      expect(() => readOasstTrees(f)).toThrow(/t\.jsonl:2: field 'prompt\.role'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const file = sharedFile('oasst', 'en_100_tree.jsonl');
  if (!file)
    console.warn('skipping the real OASST test: shared data folder oasst/en_100_tree.jsonl not found');
  it.skipIf(!file)('reads the 100 real trees into valid rankings', () => {
    const trees = readOasstTrees(file!);
    expect(trees).toHaveLength(100);
    const recs = oasstRankings(trees, { round: 'oasst' });
    // Counted independently: 212 prompter messages have ≥ 2 ranked live replies, 99 of them first turns.
    expect(recs).toHaveLength(212);
    expect(oasstRankings(trees, { round: 'oasst', firstTurnOnly: true })).toHaveLength(99);
    for (const r of recs) RankingRecord.parse(r);
    expect(
      recs.every((r) => r.candidates.length >= 2 && r.ordering.flat().length === r.candidates.length),
    ).toBe(true);
    expect(new Set(recs.map((r) => r.id)).size).toBe(recs.length);
    const first = recs.find((r) => r.prompt.text === 'How can I find the best 401k plan for my needs?')!;
    expect(first.ordering).toHaveLength(3);
    expect(first.candidates.find((c) => c.id === first.ordering[0][0])?.text).toMatch(
      /^The first step is to research your options/,
    );
  });
});
