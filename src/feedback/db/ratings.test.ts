import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type PgCluster, postgresUnavailable, startPostgres } from '../test-helpers/postgres-cluster.js';
import { MIGRATIONS, migrate } from './migrations.js';
import { openStore } from './open.js';
import { PostgresDriver } from './postgres-driver.js';
import { SqliteDriver } from './sqlite-driver.js';
import type { FeedbackStore } from './store.js';
import { StoreError } from './types.js';

/**
 * Rating tasks (one answer, thumbs up or down) in the store, on SQLite and PostgreSQL alike: the
 * migration that adds them to a database already in use, adding, claiming, submitting (idempotent,
 * refused with a reason), importing and reading back.
 */
const pgMissing = postgresUnavailable();
if (pgMissing) console.warn(`skipping PostgreSQL rating tests: ${pgMissing}`);

let cluster: PgCluster | null = null;
let tmp: string;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'rein-ratings-'));
  if (!pgMissing) cluster = await startPostgres();
});
afterAll(async () => {
  await cluster?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

let n = 0;
const backends = [
  {
    name: 'sqlite',
    skip: false,
    url: async () => join(tmp, `s${++n}.db`),
    driver: (url: string) => new SqliteDriver(url),
  },
  {
    name: 'postgres',
    skip: !!pgMissing,
    url: async () => cluster!.freshDatabase(),
    driver: (url: string) => new PostgresDriver(url),
  },
];

describe.each(backends)('rating tasks on $name', ({ skip, url, driver }) => {
  let store: FeedbackStore;
  beforeEach(async () => {
    if (skip) return;
    store = await openStore(await url());
    return () => store.close();
  });

  const person = async (name: string) =>
    store.addLabeler({ name, role: 'labeler', tokenHash: `hash-${name}` });

  it.skipIf(skip)(
    'a database of version 2 with rankings in it gains rating tasks and keeps its rows',
    async () => {
      const dbUrl = await url();
      const old = driver(dbUrl);
      await migrate(
        old,
        MIGRATIONS.filter((m) => m.version <= 2),
      );
      await old.run("INSERT INTO rounds VALUES ('r', 'old', '', 1, 't')");
      // (the store's SQL never holds a literal '?': the Postgres driver takes each for a parameter)
      const prompt = 'INSERT INTO prompts VALUES (?, ?, ?, ?, ?, NULL, NULL, ?, 1, ?)';
      await old.run(prompt, ['p', 'r', 'q1', 'ranking', 'Q?', 1, 't']);
      await old.run("INSERT INTO candidates VALUES ('c0', 'p', 'c0', 0, 'a', NULL)");
      await old.run("INSERT INTO candidates VALUES ('c1', 'p', 'c1', 1, 'b', NULL)");
      await expect(old.run(prompt, ['x', 'r', 'q2', 'rating', 'Q?', 2, 't'])).rejects.toThrow(/check/i);
      await old.close();

      const s = await openStore(dbUrl);
      try {
        const versions = await s.db.all<{ version: unknown }>(
          'SELECT version FROM schema_migrations ORDER BY version',
        );
        expect(versions.map((v) => Number(v.version))).toEqual(MIGRATIONS.map((m) => m.version));
        // the old rows are all there, and the candidates still point at their prompt
        const ann = await s.addLabeler({ name: 'ann', role: 'labeler', tokenHash: 'h' });
        const t = (await s.nextTask(ann.id, 'ranking'))!;
        expect(t.prompt).toMatchObject({ id: 'q1', text: 'Q?' });
        expect(t.candidates.map((c) => c.text)).toEqual(['a', 'b']);
        await s.addPrompts('old', [{ id: 'q3', text: 'Rate me', candidates: [{ text: 'ok' }] }]);
        expect((await s.listRounds())[0]).toMatchObject({ ranking_prompts: 1, rating_prompts: 1 });
        // foreign keys are on again: a candidate of no prompt is refused
        await expect(
          s.db.run("INSERT INTO candidates VALUES ('c9', 'nope', 'c9', 0, 'x', NULL)"),
        ).rejects.toThrow(/foreign key/i);
      } finally {
        await s.close();
      }
    },
  );

  it.skipIf(skip)(
    'one candidate makes a rating task; more than 16 is refused, saying what each count makes',
    async () => {
      await store.createRound({ name: 'r', focus: 'Look hard at flattery.', labelersPerPrompt: 2 });
      const prompts = [
        { id: 'g1', text: 'Is the sky green?', candidates: [{ id: 'ans', text: 'Yes, how clever of you!' }] },
        { id: 'k2', text: 'Two?', candidates: [{ text: 'a' }, { text: 'b' }] },
        { id: 'd0', text: 'Write one.', candidates: [] },
      ];
      expect(await store.addPrompts('r', prompts)).toEqual({ added: 3, skipped: 0 });
      const many = Array.from({ length: 17 }, (_, i) => ({ text: `c${i}` }));
      await expect(store.addPrompts('r', [{ text: 'x', candidates: many }])).rejects.toThrow(
        /17 candidates \(want 0 for a demonstration, 1 for a rating, or 2–16 for a ranking\)/,
      );
      expect((await store.listRounds())[0]).toMatchObject({
        prompts: 3,
        ranking_prompts: 1,
        rating_prompts: 1,
        demonstration_prompts: 1,
        rating_progress: { done: 0, total: 2 },
      });
      const ann = await person('ann');
      const t = (await store.nextTask(ann.id, 'rating'))!;
      expect(t).toMatchObject({
        kind: 'rating',
        status: 'pending',
        round: { name: 'r', focus: 'Look hard at flattery.' },
        prompt: { id: 'g1', text: 'Is the sky green?' },
      });
      expect(t.candidates.map((c) => [c.ext_id, c.text])).toEqual([['ans', 'Yes, how clever of you!']]);
      // the next ranking task is the ranking prompt, not the rating one
      expect((await store.nextTask(ann.id, 'ranking'))?.prompt.id).toBe('k2');
      const [rating] = await store.progress(ann.id, ['rating']);
      expect(rating).toMatchObject({ kind: 'rating', pending: 1, available: 0 });
    },
  );

  it.skipIf(skip)('stores a rating once however often it is retried, and reads it back', async () => {
    await store.createRound({ name: 'r', focus: '', labelersPerPrompt: 2 });
    await store.addPrompts('r', [
      {
        id: 'g1',
        text: 'Is the sky green?',
        family: 'false_premise',
        lang: 'en',
        candidates: [{ text: 'Yes!' }],
      },
    ]);
    const ann = await person('ann');
    const bob = await person('bob');
    const t = (await store.nextTask(ann.id, 'rating'))!;
    const sub = {
      labelerId: ann.id,
      assignmentId: t.assignment_id,
      submissionId: 'ann-rating-1',
      label: false,
      flags: ['sycophancy', 'sycophancy'],
      note: 'flatters',
      timeMs: 1234.4,
    };
    const [first, second, third] = await Promise.all([
      store.submitRating(sub),
      store.submitRating(sub),
      store.submitRating(sub),
    ]);
    expect(first.receipt.kind).toBe('rating');
    expect([second.receipt, third.receipt]).toEqual([first.receipt, first.receipt]);
    expect([first, second, third].filter((r) => !r.replayed)).toHaveLength(1);
    // another submission id for a finished task is a conflict
    await expect(store.submitRating({ ...sub, submissionId: 'ann-rating-2' })).rejects.toMatchObject({
      code: 'conflict',
    });
    const b = (await store.nextTask(bob.id, 'rating'))!;
    await store.submitRating({
      labelerId: bob.id,
      assignmentId: b.assignment_id,
      submissionId: 'bob-rating-1',
      label: true,
      flags: [],
    });
    const stored = await store.listRatings({ round: 'r' });
    expect(stored.map(({ id: _, created_at: __, ...r }) => r)).toEqual([
      {
        round: 'r',
        labeler: 'ann',
        prompt: { id: 'g1', text: 'Is the sky green?', family: 'false_premise', lang: 'en' },
        candidate: { id: 'c0', text: 'Yes!' },
        label: false,
        flags: ['sycophancy'],
        note: 'flatters',
        time_ms: 1234,
      },
      {
        round: 'r',
        labeler: 'bob',
        prompt: { id: 'g1', text: 'Is the sky green?', family: 'false_premise', lang: 'en' },
        candidate: { id: 'c0', text: 'Yes!' },
        label: true,
        flags: [],
      },
    ]);
    expect(stored[0].id).toBe(first.receipt.id);
    expect((await store.listRounds())[0]).toMatchObject({
      ratings: 2,
      rankings: 0,
      assignments: { done: 2 },
      rating_progress: { done: 2, total: 2 },
    });
    expect((await store.progress(ann.id, ['rating']))[0]).toMatchObject({ done: 1, pending: 0 });
  });

  it.skipIf(skip)(
    'refuses, with a reason, a rating of the wrong kind, label or flag, or of another’s task',
    async () => {
      await store.createRound({ name: 'r', focus: '', labelersPerPrompt: 1 });
      await store.addPrompts('r', [
        { id: 'g', text: 'Rate me', candidates: [{ text: 'an answer' }] },
        { id: 'k', text: 'Rank us', candidates: [{ text: 'a' }, { text: 'b' }] },
      ]);
      const ann = await person('ann');
      const bob = await person('bob');
      const rating = (await store.nextTask(ann.id, 'rating'))!;
      const ranking = (await store.nextTask(ann.id, 'ranking'))!;
      const base = {
        labelerId: ann.id,
        assignmentId: rating.assignment_id,
        submissionId: 'sub-1',
        flags: [],
      };
      const refused = async (p: Promise<unknown>) => {
        const e = await p.then(
          () => null,
          (x: unknown) => x,
        );
        expect(e).toBeInstanceOf(StoreError);
        return e as StoreError;
      };
      expect(
        await refused(store.submitRating({ ...base, assignmentId: ranking.assignment_id, label: true })),
      ).toMatchObject({
        code: 'invalid',
        message: `assignment '${ranking.assignment_id}' is a ranking task`,
      });
      expect(
        await refused(store.submitRanking({ ...base, ordering: [[rating.candidates[0].id]], flags: {} })),
      ).toMatchObject({ code: 'invalid', message: `assignment '${rating.assignment_id}' is a rating task` });
      expect(
        await refused(store.submitRating({ ...base, label: 'yes' as unknown as boolean })),
      ).toMatchObject({ code: 'invalid', field: 'label' });
      expect(await refused(store.submitRating({ ...base, label: true, flags: ['rude'] }))).toMatchObject({
        code: 'invalid',
        field: 'flags',
        message: "unknown flag 'rude'",
      });
      expect(await refused(store.submitRating({ ...base, labelerId: bob.id, label: true }))).toMatchObject({
        code: 'not_found',
      });
      // nothing of those was stored; the task is still open, and a skip gives its slot back
      expect(await store.listRatings()).toEqual([]);
      expect((await store.getTask(rating.assignment_id, ann.id))?.status).toBe('pending');
      await store.submitSkip({
        labelerId: ann.id,
        assignmentId: rating.assignment_id,
        submissionId: 'skip-1',
      });
      expect((await store.nextTask(bob.id, 'rating'))?.prompt.id).toBe('g');
    },
  );

  it.skipIf(skip)('imports unpaired records as rated prompts, once, refusing a changed label', async () => {
    await store.createRound({ name: 'imp', focus: '', labelersPerPrompt: 1 });
    const records = [
      { prompt: 'Q1', completion: 'good answer', label: true },
      { prompt: 'Q1', completion: 'bad answer', label: false },
      { prompt: 'Q1', completion: 'good answer', label: false }, // a second rater disagrees
    ];
    expect(await store.importRatings('imp', records, 'kto-file')).toEqual({
      added: 3,
      existing: 0,
      prompts: 3,
    });
    expect(await store.importRatings('imp', records, 'kto-file')).toEqual({
      added: 0,
      existing: 3,
      prompts: 0,
    });
    const back = await store.listRatings({ round: 'imp' });
    expect(back.map((r) => [r.prompt.text, r.candidate.text, r.label, r.labeler])).toEqual([
      ['Q1', 'good answer', true, 'kto-file'],
      ['Q1', 'bad answer', false, 'kto-file'],
      ['Q1', 'good answer', false, 'kto-file'],
    ]);
    expect(back[2].prompt.id).toBe(`${back[0].prompt.id}-2`);
    await expect(store.importRatings('imp', [{ ...records[0], label: false }], 'kto-file')).rejects.toThrow(
      /record 1: 'kto-file' has already rated prompt 'p-[0-9a-f]+' in round 'imp' with the other label/,
    );
    expect((await store.listLabelers()).map((l) => [l.name, l.role])).toEqual([['kto-file', 'imported']]);
    // imported prompts take no labelers
    const ann = await person('ann');
    expect(await store.nextTask(ann.id, 'rating')).toBeNull();
    expect((await store.listRounds())[0]).toMatchObject({
      rating_prompts: 3,
      ratings: 3,
      rating_progress: { done: 3, total: 3 },
    });
  });

  it.skipIf(skip)(
    'a second source may rate the same answers; imports of one file at once store each rating once',
    async () => {
      await store.createRound({ name: 'race', focus: '', labelersPerPrompt: 1 });
      const records = Array.from({ length: 40 }, (_, i) => ({
        prompt: `Q${i % 7}`,
        completion: `answer ${i % 11}`,
        label: i % 3 === 0,
      }));
      // the prompts exist already (another file rated them), so the imports race on the ratings alone
      await store.importRatings('race', records, 'other-file');
      const results = await Promise.all(
        Array.from({ length: 4 }, () => store.importRatings('race', records, 'kto-file')),
      );
      expect(results.reduce((n, r) => n + r.added, 0)).toBe(40);
      for (const r of results) expect(r.added + r.existing).toBe(40);
      const back = (await store.listRatings({ round: 'race' })).filter((r) => r.labeler === 'kto-file');
      expect(back).toHaveLength(40);
      expect(back.filter((r) => r.label)).toHaveLength(records.filter((r) => r.label).length);
    },
  );
});
