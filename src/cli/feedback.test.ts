import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PairRecord, RankingRecord } from '../data/ranking.js';
import { openStore } from '../feedback/db/open.js';
import { hashToken } from '../feedback/tokens.js';
import { sharedFile } from '../tokenizer/shared-data.js';
import { CliError } from './errors.js';
import { run } from './feedback.js';

const dir = mkdtempSync(join(tmpdir(), 'rein-cli-feedback-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let printed: string[];
beforeEach(() => {
  printed = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    printed.push(a.join(' '));
  });
});
afterEach(() => vi.restoreAllMocks());

let n = 0;
const freshDb = () => join(dir, `f${++n}.db`);
const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('rein feedback', () => {
  it('creates a round and a labeler whose printed token works, adds candidates, exports', async () => {
    const db = freshDb();
    await run([
      'round',
      'create',
      '--db',
      db,
      '--name',
      'r1',
      '--focus',
      'flattery',
      '--labelers-per-prompt',
      '2',
    ]);
    expect(printed.at(-1)).toMatch(/round 'r1' created .*2 labeler/);
    await run(['labeler', 'add', '--db', db, '--name', 'ann']);
    const token = printed.find((l) => l.startsWith('rein_'))!;
    const store = await openStore(db);
    try {
      expect((await store.labelerByTokenHash(hashToken(token)))?.name).toBe('ann');
    } finally {
      await store.close();
    }
    await run(['labeler', 'token', '--db', db, '--name', 'ann']);
    const rotated = printed.at(-1)!;
    const again = await openStore(db);
    try {
      expect(await again.labelerByTokenHash(hashToken(token))).toBeNull();
      expect((await again.labelerByTokenHash(hashToken(rotated)))?.name).toBe('ann');
    } finally {
      await again.close();
    }
    const file = join(dir, 'c.jsonl');
    writeFileSync(
      file,
      `${JSON.stringify({ prompt: 'Hi?', candidates: ['a', 'b', 'c'] })}\n${JSON.stringify({ prompt: 'Write a haiku.' })}\n`,
    );
    await run(['add-candidates', '--db', db, '--round', 'r1', '--from', file]);
    expect(printed.at(-1)).toBe("added 2 prompts to round 'r1' (0 already there)");
    await run(['add-candidates', '--db', db, '--round', 'r1', '--from', file]);
    expect(printed.at(-1)).toBe("added 0 prompts to round 'r1' (2 already there)");
    await run(['round', 'list', '--db', db]);
    expect(printed.at(-1)).toMatch(
      /^r1\t1 ranking \+ 0 rating \+ 1 demonstration prompts × 2\t0 rankings, 0 ratings/,
    );
    const out = join(dir, 'empty.jsonl');
    await run(['export', '--db', db, '--format', 'rankings', '--out', out]);
    expect(readFileSync(out, 'utf8')).toBe('');
  });

  it('turns bad input into one-line errors naming the problem', async () => {
    const db = freshDb();
    await expect(run(['round', 'create', '--db', db])).rejects.toThrow(/--name is required/);
    await expect(
      run(['round', 'create', '--db', db, '--name', 'x', '--labelers-per-prompt', '0']),
    ).rejects.toThrow(/≥ 1/);
    await expect(run(['nope'])).rejects.toThrow(CliError);
    // help after a subcommand prints the usage instead of calling the subcommand unknown
    await run(['round', 'create', '--help']);
    await run(['export', '-h']);
    expect(printed.filter((l) => l.startsWith('usage: rein feedback'))).toHaveLength(2);
    await expect(run(['export', '--db', db, '--format', 'csv', '--out', 'x'])).rejects.toThrow(
      /rankings, pairs, demos/,
    );
    await expect(
      run(['add-candidates', '--db', db, '--round', 'missing', '--from', join(dir, 'none.jsonl')]),
    ).rejects.toThrow(CliError);
    await run(['round', 'create', '--db', db, '--name', 'r']);
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(
      bad,
      `${JSON.stringify({ prompt: 'x', candidates: Array.from({ length: 17 }, (_, i) => `c${i}`) })}\n`,
    );
    await expect(run(['add-candidates', '--db', db, '--round', 'r', '--from', bad])).rejects.toThrow(
      /bad\.jsonl:1: field 'candidates'/,
    );
    await expect(run(['round', 'create', '--db', 'mysql://x/y', '--name', 'r'])).rejects.toThrow(
      /unknown database/,
    );
  });

  it('imports ranking records and exports them as rankings and as TRL pairs', async () => {
    const db = freshDb();
    const rec: RankingRecord = {
      id: 'sim-1',
      round: 'sim',
      labeler: 'sim-labeler-0',
      prompt: { id: 'p1', text: 'Is 2+2=5?', family: 'false_premise', lang: 'en' },
      candidates: [
        { id: 'a', text: 'No, 4.' },
        { id: 'b', text: 'Yes!' },
        { id: 'c', text: 'It is 4.' },
      ],
      ordering: [['a', 'c'], ['b']],
      flags: { b: ['sycophancy'] },
    };
    const file = join(dir, 'r.jsonl');
    writeFileSync(file, `${JSON.stringify(rec)}\n`);
    // A time over a day (the API's cap; PostgreSQL keeps it in a 32-bit integer) is refused by line.
    const slow = join(dir, 'slow.jsonl');
    writeFileSync(
      slow,
      `${JSON.stringify(rec)}\n${JSON.stringify({ ...rec, id: 'sim-2', time_ms: 86_400_001 })}\n`,
    );
    await expect(run(['import', '--db', db, '--round', 'sim', '--from', slow])).rejects.toThrow(
      /slow\.jsonl:2: field 'time_ms'/,
    );
    await run(['import', '--db', db, '--round', 'sim', '--from', file, '--format', 'rankings']);
    expect(printed.at(-1)).toMatch(/imported 1 rankings \(0 already there, 1 new prompts\)/);
    await run(['import', '--db', db, '--round', 'sim', '--from', file]);
    expect(printed.at(-1)).toMatch(/imported 0 rankings \(1 already there/);
    const out = join(dir, 'rankings.jsonl');
    await run(['export', '--db', db, '--format', 'rankings', '--out', out]);
    const [back] = lines(out).map((l) => RankingRecord.parse(l));
    expect({ ...back, id: rec.id, created_at: undefined }).toEqual({ ...rec, created_at: undefined });
    const pairs = join(dir, 'pairs.jsonl');
    await run(['export', '--db', db, '--format', 'pairs', '--out', pairs]);
    expect(lines(pairs).map((l) => PairRecord.parse(l))).toEqual([
      { prompt: 'Is 2+2=5?', chosen: 'No, 4.', rejected: 'Yes!' },
      { prompt: 'Is 2+2=5?', chosen: 'It is 4.', rejected: 'Yes!' },
    ]);
    const demos = join(dir, 'demos.jsonl');
    await run(['export', '--db', db, '--format', 'demos', '--out', demos, '--round', 'sim']);
    expect(readFileSync(demos, 'utf8')).toBe('');
  });

  it("imports TRL's preference pairs, strings or messages, as K = 2 rankings by the file's judge", async () => {
    const db = freshDb();
    const file = join(dir, 'trl-pairs.jsonl');
    const user = (content: string) => [{ role: 'user', content }];
    const assistant = (content: string) => [{ role: 'assistant', content }];
    writeFileSync(
      file,
      [
        { prompt: 'Is 2+2=5?', chosen: 'No, 4.', rejected: 'Yes!', margin: 2 },
        {
          prompt: user('Capital of France?'),
          chosen: assistant('Paris.'),
          rejected: assistant('Rome.'),
          margin: -1,
        },
        {
          chosen: [...user('Hi'), ...assistant('Hello!')],
          rejected: [...user('Hi'), ...assistant('Go away.')],
        },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    await run(['import', '--db', db, '--round', 'trl', '--from', file, '--format', 'pairs']);
    expect(printed.at(-1)).toMatch(/imported 3 rankings \(0 already there, 3 new prompts\) into 'trl'/);
    // a margin is kept as the ranking's gap; a negative one cannot be a gap and is named as dropped
    expect(printed.at(-1)).toMatch(
      /the margins of 1 pair\(s\) are not kept: a ranking's gap runs from 0 to 10/,
    );
    await run(['import', '--db', db, '--round', 'trl', '--from', file, '--format', 'pairs']);
    expect(printed.at(-1)).toMatch(/imported 0 rankings \(3 already there/);
    const out = join(dir, 'trl-back.jsonl');
    await run(['export', '--db', db, '--format', 'rankings', '--round', 'trl', '--out', out]);
    const back = lines(out).map((l) => RankingRecord.parse(l));
    expect(back.map((r) => [r.labeler, r.prompt.text, r.ordering])).toEqual([
      ['trl-pairs', 'Is 2+2=5?', [['chosen'], ['rejected']]],
      ['trl-pairs', 'Capital of France?', [['chosen'], ['rejected']]],
      ['trl-pairs', 'Hi', [['chosen'], ['rejected']]],
    ]);
    expect(back.map((r) => r.gaps)).toEqual([[2], undefined, undefined]);
    // and back out as pairs, the gap is the margin again
    const pairsBack = join(dir, 'trl-pairs-back.jsonl');
    await run(['export', '--db', db, '--format', 'pairs', '--round', 'trl', '--out', pairsBack]);
    expect(lines(pairsBack).map((l) => PairRecord.parse(l).margin)).toEqual([2, undefined, undefined]);
    expect(back[2].candidates).toEqual([
      { id: 'chosen', text: 'Hello!' },
      { id: 'rejected', text: 'Go away.' },
    ]);
    // another judge of the same pairs is another ranking; a bad line is named by file, line and field
    await run([
      'import',
      '--db',
      db,
      '--round',
      'trl',
      '--from',
      file,
      '--format',
      'pairs',
      '--source',
      'ann',
    ]);
    expect(printed.at(-1)).toMatch(/imported 3 rankings \(0 already there, 0 new prompts\)/);
    const bad = join(dir, 'bad-pairs.jsonl');
    writeFileSync(
      bad,
      `${JSON.stringify({ prompt: 'x', chosen: 'a', rejected: 'b' })}\n{"prompt":"y","chosen":"a"}\n`,
    );
    await expect(
      run(['import', '--db', db, '--round', 'trl', '--from', bad, '--format', 'pairs']),
    ).rejects.toThrow(/bad-pairs\.jsonl:2: field 'rejected'/);
  });

  const oasst = sharedFile('oasst', 'en_100_tree.jsonl');
  const hh = sharedFile('hh-rlhf', 'harmless-base-dev.jsonl.gz');
  if (!oasst || !hh) console.warn('skipping the real OASST/HH import test: shared data files not found');
  it.skipIf(!oasst || !hh)('imports the real OASST trees and HH-RLHF pairs', async () => {
    const db = freshDb();
    await run(['import', '--db', db, '--round', 'oasst', '--from', oasst!, '--format', 'oasst']);
    expect(printed.at(-1)).toMatch(/imported 212 rankings \(0 already there, 212 new prompts\) into 'oasst'/);
    await run(['import', '--db', db, '--round', 'hh', '--from', hh!, '--format', 'hh']);
    expect(printed.at(-1)).toMatch(/imported 1798 rankings .* into 'hh'; skipped 2 unusable line/);
    const out = join(dir, 'hh-pairs.jsonl');
    await run(['export', '--db', db, '--format', 'pairs', '--round', 'hh', '--out', out]);
    const pairs = lines(out);
    expect(pairs).toHaveLength(1798);
    expect(pairs[0].prompt.startsWith('Human: what are some pranks with a pen')).toBe(true);
    const all = join(dir, 'oasst-rankings.jsonl');
    await run(['export', '--db', db, '--format', 'rankings', '--round', 'oasst', '--out', all]);
    const recs = lines(all).map((l) => RankingRecord.parse(l));
    expect(recs).toHaveLength(212);
    expect(recs.every((r) => r.labeler === 'oasst' && r.round === 'oasst')).toBe(true);
  });

  const model = sharedFile('llama2c', 'stories260K.bin');
  const tok = sharedFile('llama2c', 'tok512.bin');
  if (!model || !tok)
    console.warn('skipping add-candidates --model: shared llama2c/stories260K.bin + tok512.bin not found');
  it.skipIf(!model || !tok)('samples candidates with a real model into a round', async () => {
    const db = freshDb();
    await run(['round', 'create', '--db', db, '--name', 'm']);
    const prompts = join(dir, 'world-prompts.jsonl');
    writeFileSync(
      prompts,
      [
        {
          id: 'w1',
          family: 'fact',
          lang: 'en',
          text: 'What is the capital of France?',
          template: 't',
          entity: 'capital:france',
        },
        {
          id: 'w2',
          family: 'math',
          lang: 'en',
          text: 'What is 7 plus 5?',
          template: 't',
          entity: 'arith:7+5',
        },
      ]
        .map((p) => JSON.stringify(p))
        .join('\n'),
    );
    const args = [
      'add-candidates',
      '--db',
      db,
      '--round',
      'm',
      '--model',
      model!,
      '--tokenizer',
      tok!,
      '--prompts',
      prompts,
    ];
    await run([...args, '--k', '3', '--max-new', '8', '--seed', '1']);
    expect(printed.at(-2)).toMatch(/^sampled 3 candidates for each of 2 prompts/);
    expect(printed.at(-1)).toBe("added 2 prompts to round 'm' (0 already there)");
    const store = await openStore(db);
    try {
      const [r] = await store.listRounds();
      expect(r).toMatchObject({ ranking_prompts: 2 });
      await store.addLabeler({ name: 'ann', role: 'labeler', tokenHash: 'h' });
      const ann = (await store.listLabelers())[0];
      const t = (await store.nextTask(ann.id, 'ranking'))!;
      expect(t.prompt).toMatchObject({ id: 'w1', family: 'fact', lang: 'en' });
      expect(t.candidates).toHaveLength(3);
    } finally {
      await store.close();
    }
    await expect(run([...args, '--k', '0'])).rejects.toThrow("--k must be an integer from 1 to 16, got '0'");
  });
});
