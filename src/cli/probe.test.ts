import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openStore } from '../feedback/db/open.js';
import { sampleCandidates } from '../feedback/sample-candidates.js';
import { saveCheckpoint } from '../model/checkpoint.js';
import { tinyModel, toyTokenizer } from '../train/test-helpers/fixtures.js';
import { Rng } from '../util/rng.js';
import { CliError } from './errors.js';
import { run as probe } from './probe.js';
import { capture } from './test-helpers/capture.js';

// the real sampler, watched: a rejected flag or database must stop the probe before it samples
vi.mock('../feedback/sample-candidates.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../feedback/sample-candidates.js')>();
  return { ...real, sampleCandidates: vi.fn(real.sampleCandidates) };
});

/** `rein probe`'s checks and its round in a real SQLite database; trainers.test.ts probes a trained policy. */
let dir: string;
const f = (name: string) => join(dir, name);
let args: string[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rein-probe-cli-'));
  const tok = toyTokenizer();
  saveCheckpoint(f('policy'), tinyModel(tok.vocabSize, 1), tok);
  saveCheckpoint(f('rm'), tinyModel(tok.vocabSize, 2).clone({ scalarHead: 'fresh', rng: new Rng(2) }), tok);
  writeFileSync(
    f('prompts.jsonl'),
    ['one', 'two', 'three'].map((x) => `{"text":"what is ${x} ?"}\n`).join(''),
  );
  // a bound of 0.99 leaves an untrained RM unsure of every prompt: the group 'uncertain'
  args = [
    '--policy',
    f('policy'),
    '--prompts',
    f('prompts.jsonl'),
    '--rm',
    f('rm'),
    '--min-confidence',
    '0.99',
  ];
  args.push('--k', '2', '--max-new', '4');
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.mocked(sampleCandidates).mockClear();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function failure(argv: string[]): Promise<string> {
  const err = await capture(probe, argv).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(CliError);
  return (err as CliError).message;
}

describe('rein probe', () => {
  it('names an unknown option instead of throwing a parse error', async () => {
    expect(await failure(['--bogus'])).toMatch(/^probe: Unknown option '--bogus'.*\n\nusage: rein probe/s);
  });

  it('checks every flag and the database before it samples', async () => {
    const db = f('checks.db');
    expect(await failure([...args, '--db', db, '--labelers-per-prompt', '1.5'])).toBe(
      "probe: --labelers-per-prompt must be an integer ≥ 1, got '1.5'",
    );
    expect(await failure([...args, '--k', '17'])).toBe(
      "probe: --k must be an integer from 2 to 16, got '17'",
    );
    expect(await failure([...args, '--db', 'mysql://host/db'])).toMatch(
      /^probe: cannot open --db mysql:\/\/host\/db: .*unknown database/,
    );
    const store = await openStore(db);
    await store.createRound({ name: 'taken', focus: '', labelersPerPrompt: 2 });
    await store.close();
    expect(await failure([...args, '--db', db, '--round', 'taken'])).toBe(
      `probe: --round 'taken': a round of that name exists in ${db}`,
    );
    expect(sampleCandidates).not.toHaveBeenCalled();
  });

  it('gives a second probe of the day its own default round name', async () => {
    const db = f('rounds.db');
    const first = JSON.parse((await capture(probe, [...args, '--db', db])).at(-1)!);
    const second = JSON.parse((await capture(probe, [...args, '--db', db])).at(-1)!);
    const base = `probe-uncertain-${new Date().toISOString().slice(0, 10)}`;
    expect([first.round, second.round]).toEqual([base, `${base}-2`]);
    const store = await openStore(db);
    try {
      const rounds = await store.listRounds();
      expect(rounds.map((r) => [r.name, r.ranking_prompts])).toEqual([
        [base, 3],
        [`${base}-2`, 3],
      ]);
    } finally {
      await store.close();
    }
  });
});
