import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RankingRecord } from '../../data/ranking.js';
import { type PgCluster, postgresUnavailable, startPostgres } from '../test-helpers/postgres-cluster.js';
import { hashToken, newToken } from '../tokens.js';
import { MIGRATIONS, migrate } from './migrations.js';
import { openStore } from './open.js';
import { type FeedbackStore, MAX_TASK_TIMEOUT_MS } from './store.js';
import { StoreError } from './types.js';

const pgMissing = postgresUnavailable();
if (pgMissing) console.warn(`skipping PostgreSQL store tests: ${pgMissing}`);

let cluster: PgCluster | null = null;
let tmp: string;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'rein-store-'));
  if (!pgMissing) cluster = await startPostgres();
});
afterAll(async () => {
  await cluster?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

let n = 0;
const backends = [
  { name: 'sqlite', skip: false, url: async () => join(tmp, `s${++n}.db`) },
  { name: 'postgres', skip: !!pgMissing, url: async () => cluster!.freshDatabase() },
];

const cands = (k: number, tag = '') => Array.from({ length: k }, (_, i) => ({ text: `answer ${i}${tag}` }));

describe.each(backends)('feedback store on $name', ({ skip, url }) => {
  let store: FeedbackStore;
  let dbUrl: string;
  beforeEach(async () => {
    if (skip) return;
    dbUrl = await url();
    store = await openStore(dbUrl);
    return () => store.close();
  });

  async function labeler(name: string, role: 'labeler' | 'admin' = 'labeler') {
    const token = newToken();
    const l = await store.addLabeler({ name, role, tokenHash: hashToken(token) });
    return { ...l, token };
  }

  it.skipIf(skip)('migrates once, and reopening applies nothing', async () => {
    expect(await migrate(store.db)).toEqual([]);
    const rows = await store.db.all<{ version: unknown }>('SELECT version FROM schema_migrations');
    expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
    await store.db.run(
      "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 'x')",
    );
    await expect(migrate(store.db)).rejects.toThrow(/newer than this rein/);
  });

  it.skipIf(skip)(
    'several stores migrating one fresh database at once all succeed (as two processes would)',
    async () => {
      const fresh = await url();
      const opened = await Promise.allSettled(Array.from({ length: 8 }, () => openStore(fresh)));
      const stores = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
      try {
        expect(opened.flatMap((o) => (o.status === 'rejected' ? [String(o.reason)] : []))).toEqual([]);
        const rows = await stores[0].db.all<{ version: unknown }>(
          'SELECT version FROM schema_migrations ORDER BY version',
        );
        expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    },
  );

  it.skipIf(skip)('rounds have unique names; labelers log in by token hash only', async () => {
    const r = await store.createRound({ name: 'r1', focus: 'look for flattery', labelersPerPrompt: 2 });
    expect((await store.getRound('r1'))?.id).toBe(r.id);
    expect((await store.getRound(r.id))?.focus).toBe('look for flattery');
    await expect(store.createRound({ name: 'r1', focus: '', labelersPerPrompt: 1 })).rejects.toThrow(
      StoreError,
    );
    const a = await labeler('ana', 'admin');
    expect((await store.labelerByTokenHash(hashToken(a.token)))?.role).toBe('admin');
    expect(await store.labelerByTokenHash(hashToken(newToken()))).toBeNull();
    await expect(store.addLabeler({ name: 'ana', role: 'labeler', tokenHash: 'x' })).rejects.toThrow(
      /exists/,
    );
    const fresh = newToken();
    await store.setTokenHash('ana', hashToken(fresh));
    expect(await store.labelerByTokenHash(hashToken(a.token))).toBeNull();
    expect((await store.labelerByTokenHash(hashToken(fresh)))?.name).toBe('ana');
    await expect(store.setTokenHash('nobody', 'x')).rejects.toThrow(/no labeler/);
  });

  it.skipIf(skip)('adds prompts once, refusing K > 16', async () => {
    await store.createRound({ name: 'r', focus: '', labelersPerPrompt: 1 });
    const prompts = [
      { text: 'p1', candidates: cands(4) },
      { id: 'demo-1', text: 'write an answer', candidates: [] },
    ];
    expect(await store.addPrompts('r', prompts)).toEqual({ added: 2, skipped: 0 });
    expect(await store.addPrompts('r', prompts)).toEqual({ added: 0, skipped: 2 });
    await expect(store.addPrompts('r', [{ text: 'x', candidates: cands(17) }])).rejects.toThrow(
      /17 candidates/,
    );
    const repeated = [{ id: 'a', text: 'one' }, { text: 'two' }, { id: 'a', text: 'three' }];
    await expect(store.addPrompts('r', [{ id: 'q', text: 'x', candidates: repeated }])).rejects.toThrow(
      /prompt 'q': candidate id 'a' appears twice/,
    );
    const [s] = await store.listRounds();
    expect(s).toMatchObject({ prompts: 2, ranking_prompts: 1, demonstration_prompts: 1 });
  });

  it.skipIf(skip)(
    'refuses the NUL character in imported rankings and added prompts, naming the field',
    async () => {
      await store.createRound({ name: 'n', focus: '', labelersPerPrompt: 1 });
      const rec: RankingRecord = {
        id: 'r-nul',
        round: 'n',
        labeler: 'oasst',
        prompt: { id: 'p-nul', text: 'q' },
        candidates: [
          { id: 'a', text: 'fine' },
          { id: 'b', text: 'bro\u0000ken' },
        ],
        ordering: [['a'], ['b']],
        flags: {},
      };
      await expect(store.importRankings('n', [rec])).rejects.toThrow(
        /ranking 1 \('r-nul'\): field 'candidates\[1\]\.text' holds the NUL character/,
      );
      await expect(
        store.addPrompts('n', [{ id: 'x', text: 'a\u0000b', candidates: cands(2) }]),
      ).rejects.toThrow(/prompt 'x': field 'text' holds the NUL character/);
      expect((await store.listRounds())[0].prompts).toBe(0);
      expect(await store.listRankings()).toEqual([]);
    },
  );

  it.skipIf(skip)('creates a round with its prompts all or nothing', async () => {
    const prompts = [
      { text: 'p1', candidates: cands(3) },
      { text: 'p2', candidates: cands(2) },
    ];
    const made = await store.createRoundWithPrompts(
      { name: 'f', focus: 'look', labelersPerPrompt: 2 },
      prompts,
    );
    expect(made).toMatchObject({ round: { name: 'f', labelers_per_prompt: 2 }, added: 2, skipped: 0 });
    // a refused prompt leaves no round behind, so the same name can be tried again
    await expect(
      store.createRoundWithPrompts({ name: 'g', focus: '', labelersPerPrompt: 1 }, [
        { text: 'ok', candidates: cands(2) },
        { text: 'bad', candidates: cands(17) },
      ]),
    ).rejects.toThrow(/prompt 2: 17 candidates/);
    expect(await store.getRound('g')).toBeNull();
    // a taken name adds nothing to anyone
    await expect(
      store.createRoundWithPrompts({ name: 'f', focus: '', labelersPerPrompt: 1 }, [
        { text: 'p3', candidates: cands(2) },
      ]),
    ).rejects.toThrow(/a round named 'f' exists/);
    expect((await store.listRounds()).map((r) => [r.name, r.prompts])).toEqual([['f', 2]]);
  });

  it.skipIf(skip)('gives each prompt to exactly M distinct labelers, even when asked at once', async () => {
    await store.createRound({ name: 'r', focus: '', labelersPerPrompt: 2 });
    await store.addPrompts(
      'r',
      Array.from({ length: 6 }, (_, i) => ({
        id: `p${i}`,
        text: `prompt ${i}`,
        candidates: cands(3, `/${i}`),
      })),
    );
    const people = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((x) => labeler(x)));
    // Everyone asks for tasks at once, then keeps finishing and asking until nothing is left.
    const seen = new Map<string, string[]>();
    await Promise.all(
      people.map(async (p) => {
        for (;;) {
          const t = await store.nextTask(p.id, 'ranking');
          if (!t) break;
          const list = seen.get(t.prompt.id) ?? [];
          list.push(p.name);
          seen.set(t.prompt.id, list);
          await store.submitRanking({
            labelerId: p.id,
            assignmentId: t.assignment_id,
            submissionId: `s-${t.assignment_id}`,
            ordering: t.candidates.map((c) => [c.id]),
            flags: {},
          });
        }
      }),
    );
    expect(seen.size).toBe(6);
    for (const names of seen.values()) {
      expect(names).toHaveLength(2);
      expect(new Set(names).size).toBe(2);
    }
    expect(await store.listRankings()).toHaveLength(12);
  });

  it.skipIf(skip)(
    'stores a ranking with its assignment, once, and refuses what is not a permutation',
    async () => {
      await store.createRound({ name: 'r', focus: 'f', labelersPerPrompt: 2 });
      await store.addPrompts('r', [{ id: 'q', text: '你好吗？', lang: 'zh', candidates: cands(4) }]);
      const ann = await labeler('ann');
      const bob = await labeler('bob');
      const t = (await store.nextTask(ann.id, 'ranking'))!;
      expect(t.candidates).toHaveLength(4);
      const [a, b, c, d] = t.candidates.map((x) => x.id);
      const base = { labelerId: ann.id, assignmentId: t.assignment_id, submissionId: 'sub-1', flags: {} };

      await expect(store.submitRanking({ ...base, ordering: [[a], [b], [c]] })).rejects.toThrow(/leaves out/);
      await expect(store.submitRanking({ ...base, ordering: [[a], [b], [c], [d], [a]] })).rejects.toThrow(
        /twice/,
      );
      await expect(
        store.submitRanking({ ...base, ordering: [[a, b, c, d]], flags: { nope: ['toxic'] } }),
      ).rejects.toThrow(/no candidate/);
      await expect(
        store.submitRanking({ ...base, ordering: [[a, b, c, d]], flags: { [a]: ['rude'] } }),
      ).rejects.toThrow(/unknown flag/);
      await expect(
        store.submitRanking({ ...base, ordering: [[c], [a, b], [d]], gaps: [1] }),
      ).rejects.toMatchObject({
        code: 'invalid',
        field: 'gaps',
        message: expect.stringMatching(/1 gap\(s\) for 3 tiers/),
      });
      await expect(
        store.submitRanking({ ...base, labelerId: bob.id, ordering: [[a, b, c, d]] }),
      ).rejects.toMatchObject({
        code: 'not_found',
      });

      const first = await store.submitRanking({
        ...base,
        ordering: [[c], [a, b], [d]],
        gaps: [0, 2],
        flags: { [d]: ['sycophancy', 'fabrication'] },
        note: 'd agrees with a false premise',
        timeMs: 12345.6,
      });
      expect(first.replayed).toBe(false);
      const again = await store.submitRanking({ ...base, ordering: [[a], [b], [c], [d]] });
      expect(again).toEqual({ receipt: first.receipt, replayed: true });
      // A new submission id for the same finished task is a conflict, not a second ranking.
      await expect(
        store.submitRanking({ ...base, submissionId: 'sub-2', ordering: [[a], [b], [c], [d]] }),
      ).rejects.toMatchObject({
        code: 'conflict',
      });

      const stored = await store.listRankings({ round: 'r' });
      expect(stored).toHaveLength(1);
      const rec = RankingRecord.parse(stored[0]);
      const ext = new Map(t.candidates.map((x) => [x.id, x.ext_id]));
      expect(rec.ordering).toEqual([[ext.get(c)], [ext.get(a), ext.get(b)], [ext.get(d)]]);
      expect(rec.flags).toEqual({ [ext.get(d)!]: ['sycophancy', 'fabrication'] });
      expect(rec.gaps).toEqual([0, 2]);
      expect(rec).toMatchObject({
        round: 'r',
        labeler: 'ann',
        note: 'd agrees with a false premise',
        time_ms: 12346,
      });
      expect(rec.prompt).toEqual({ id: 'q', text: '你好吗？', lang: 'zh' });
      expect((await store.getTask(t.assignment_id, ann.id))?.status).toBe('done');
      expect(await store.getTask(t.assignment_id, bob.id)).toBeNull();
      // A submission id used on one task cannot be replayed against another.
      const tb = (await store.nextTask(bob.id, 'ranking'))!;
      await expect(
        store.submitRanking({
          ...base,
          labelerId: bob.id,
          assignmentId: tb.assignment_id,
          ordering: [[a, b, c, d]],
        }),
      ).rejects.toMatchObject({ code: 'conflict', field: 'submission_id' });
    },
  );

  it.skipIf(skip)(
    'concurrent copies of one submission store one ranking and all get the same receipt',
    async () => {
      await store.createRound({ name: 'r', focus: '', labelersPerPrompt: 1 });
      await store.addPrompts('r', [{ text: 'q', candidates: cands(3) }]);
      const ann = await labeler('ann');
      const t = (await store.nextTask(ann.id, 'ranking'))!;
      const sub = {
        labelerId: ann.id,
        assignmentId: t.assignment_id,
        submissionId: 'same',
        ordering: t.candidates.map((c) => [c.id]),
        flags: {},
      };
      const results = await Promise.all(Array.from({ length: 8 }, () => store.submitRanking(sub)));
      expect(new Set(results.map((r) => r.receipt.id)).size).toBe(1);
      expect(results.filter((r) => !r.replayed)).toHaveLength(1);
      expect(await store.listRankings()).toHaveLength(1);
    },
  );

  it.skipIf(skip)('a transaction that fails part-way leaves nothing behind', async () => {
    await store.createRound({ name: 'r', focus: '', labelersPerPrompt: 1 });
    await expect(
      store.db.transaction(async (tx) => {
        await tx.run("UPDATE rounds SET focus = 'changed'");
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await store.getRound('r'))?.focus).toBe('');
  });

  it.skipIf(skip)('concurrent transactions stay separate: one that fails takes no other down', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        store.db.transaction(async (tx) => {
          await tx.run(
            "INSERT INTO rounds (id, name, focus, labelers_per_prompt, created_at) VALUES (?, ?, '', 1, 'now')",
            [`id${i}`, `round${i}`],
          );
          if (i === 4) throw new Error('boom');
          return i;
        }),
      ),
    );
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : null))).toEqual([
      0,
      1,
      2,
      3,
      null,
      5,
      6,
      7,
      8,
      9,
    ]);
    const names = (await store.listRounds()).map((r) => r.name).sort();
    expect(names).toEqual([
      'round0',
      'round1',
      'round2',
      'round3',
      'round5',
      'round6',
      'round7',
      'round8',
      'round9',
    ]);
  });

  it.skipIf(skip)('a task left unsubmitted past the timeout goes to someone else', async () => {
    const timeoutMs = 150;
    const short = await openStore(dbUrl, { taskTimeoutMs: timeoutMs });
    try {
      await short.createRound({ name: 'r', focus: '', labelersPerPrompt: 1 });
      await short.addPrompts('r', [{ id: 'only', text: 'q', candidates: cands(2) }]);
      const ann = await labeler('ann');
      const bob = await labeler('bob');
      const t = (await short.nextTask(ann.id, 'ranking'))!;
      expect(await short.nextTask(bob.id, 'ranking')).toBeNull(); // still ann's
      await new Promise((done) => setTimeout(done, timeoutMs + 50));
      expect((await short.nextTask(bob.id, 'ranking'))?.prompt.id).toBe('only');
      const late = short.submitRanking({
        labelerId: ann.id,
        assignmentId: t.assignment_id,
        submissionId: 'late',
        ordering: t.candidates.map((c) => [c.id]),
        flags: {},
      });
      await expect(late).rejects.toThrow(/given to another labeler \(timed out/);
      const skips = await short.db.all<{ labeler_id: string; reason: string }>(
        'SELECT labeler_id, reason FROM skips',
      );
      expect(skips).toEqual([{ labeler_id: ann.id, reason: 'timed out: not submitted within 150 ms' }]);
    } finally {
      await short.close();
    }
  });

  it.skipIf(skip)('takes a task timeout up to a year, and refuses an endless one when opening', async () => {
    for (const bad of [Number.POSITIVE_INFINITY, Number.NaN, 0, -1, MAX_TASK_TIMEOUT_MS + 1])
      await expect(openStore(dbUrl, { taskTimeoutMs: bad })).rejects.toThrow(
        /task timeout must be a positive number of ms up to \d+ \(one year\)/,
      );
    const long = await openStore(dbUrl, { taskTimeoutMs: MAX_TASK_TIMEOUT_MS });
    try {
      await long.createRound({ name: 'r', focus: '', labelersPerPrompt: 1 });
      await long.addPrompts('r', [{ id: 'only', text: 'q', candidates: cands(2) }]);
      const ann = await labeler('ann');
      // Asking for a task computes the timeout's cutoff: it must be a valid date.
      expect((await long.nextTask(ann.id, 'ranking'))?.prompt.id).toBe('only');
    } finally {
      await long.close();
    }
  });

  it.skipIf(skip)(
    'a skip hands the prompt to someone else; demonstrations are stored and listed',
    async () => {
      await store.createRound({ name: 'r', focus: '', labelersPerPrompt: 1 });
      await store.addPrompts('r', [
        { id: 'rank', text: 'q', candidates: cands(2) },
        { id: 'demo', text: 'Explain tides.', candidates: [] },
      ]);
      const ann = await labeler('ann');
      const bob = await labeler('bob');
      const t = (await store.nextTask(ann.id, 'ranking'))!;
      expect(await store.nextTask(bob.id, 'ranking')).toBeNull();
      const skip1 = await store.submitSkip({
        labelerId: ann.id,
        assignmentId: t.assignment_id,
        submissionId: 'k',
        reason: 'unclear',
      });
      expect(
        await store.submitSkip({ labelerId: ann.id, assignmentId: t.assignment_id, submissionId: 'k' }),
      ).toEqual({
        ...skip1,
        replayed: true,
      });
      expect((await store.nextTask(bob.id, 'ranking'))?.prompt.id).toBe('rank');
      expect(await store.nextTask(ann.id, 'ranking')).toBeNull();

      const d = (await store.nextTask(ann.id, 'demonstration'))!;
      expect(d.kind).toBe('demonstration');
      await expect(
        store.submitRanking({
          labelerId: ann.id,
          assignmentId: d.assignment_id,
          submissionId: 'x',
          ordering: [],
          flags: {},
        }),
      ).rejects.toThrow(/demonstration task/);
      await expect(
        store.submitDemonstration({
          labelerId: ann.id,
          assignmentId: d.assignment_id,
          submissionId: 'd0',
          response: '  ',
        }),
      ).rejects.toThrow(/empty/);
      await store.submitDemonstration({
        labelerId: ann.id,
        assignmentId: d.assignment_id,
        submissionId: 'd1',
        response: 'The moon pulls the sea.',
        timeMs: 5000,
      });
      const demos = await store.listDemonstrations({ round: 'r' });
      expect(demos).toHaveLength(1);
      expect(demos[0]).toMatchObject({
        labeler: 'ann',
        prompt: { id: 'demo', text: 'Explain tides.' },
        response: 'The moon pulls the sea.',
      });
      const progress = await store.progress(ann.id);
      expect(progress.find((p) => p.kind === 'ranking')).toMatchObject({
        done: 0,
        skipped: 1,
        pending: 0,
        available: 0,
      });
      expect(progress.find((p) => p.kind === 'demonstration')).toMatchObject({ done: 1 });
      // Progress counts open prompts only up to a cap, then says "more".
      await store.addPrompts(
        'r',
        Array.from({ length: 5 }, (_, i) => ({ id: `more${i}`, text: `m${i}`, candidates: cands(2) })),
      );
      expect((await store.progress(ann.id, ['ranking'], 3))[0]).toMatchObject({ available: 3, more: true });
      expect((await store.progress(ann.id, ['ranking'], 5))[0]).toMatchObject({ available: 5, more: false });
    },
  );

  it.skipIf(skip)('imports ranking records idempotently, and refuses changed candidates', async () => {
    await store.createRound({ name: 'imp', focus: '', labelersPerPrompt: 1 });
    const rec = (id: string, promptId: string, texts: string[]): RankingRecord => ({
      id,
      round: 'elsewhere',
      labeler: 'sim-3',
      prompt: { id: promptId, text: `prompt ${promptId}` },
      candidates: texts.map((t, i) => ({ id: `c${i}`, text: t })),
      ordering: [['c1'], ['c0', 'c2']],
      flags: { c2: ['toxic'] },
    });
    const records = [rec('a', 'p1', ['x', 'y', 'z']), rec('b', 'p2', ['u', 'v', 'w'])];
    expect(await store.importRankings('imp', records)).toEqual({ added: 2, existing: 0, prompts: 2 });
    expect(await store.importRankings('imp', records)).toEqual({ added: 0, existing: 2, prompts: 0 });
    await expect(store.importRankings('imp', [rec('c', 'p1', ['x', 'y', 'CHANGED'])])).rejects.toThrow(
      /record 'c': prompt 'p1' is already in round 'imp' with other candidates: 'c2' has other text$/,
    );
    const fewer = { ...rec('d', 'p2', ['u', 'v']), ordering: [['c0'], ['c1']], flags: {} };
    await expect(store.importRankings('imp', [fewer])).rejects.toThrow(
      /other candidates: stored 'c2' is missing$/,
    );
    const out = await store.listRankings({ round: 'imp' });
    expect(out.map((r) => r.prompt.id).sort()).toEqual(['p1', 'p2']);
    expect(out[0]).toMatchObject({
      round: 'imp',
      labeler: 'sim-3',
      ordering: [['c1'], ['c0', 'c2']],
      flags: { c2: ['toxic'] },
    });
    // Imported sources cannot log in, and their prompts take no more labelers.
    const ann = await labeler('ann');
    expect(await store.nextTask(ann.id, 'ranking')).toBeNull();
  });

  it.skipIf(skip)(
    'two imports at once of one labeler ranking one prompt: one lands, the other is a named conflict',
    async () => {
      await store.createRound({ name: 'race', focus: '', labelersPerPrompt: 1 });
      const ranking = (id: string, labeler: string, prompt: string): RankingRecord => ({
        id,
        round: 'race',
        labeler,
        prompt: { id: prompt, text: `question ${prompt}` },
        candidates: [
          { id: 'a', text: 'A' },
          { id: 'b', text: 'B' },
        ],
        ordering: [['a'], ['b']],
        flags: {},
      });
      // the prompt and the labeler exist already, so the two imports race on the ranking alone
      await store.importRankings('race', [ranking('seed-1', 'ann', 'p'), ranking('seed-2', 'bob', 'q')]);
      const results = await Promise.allSettled([
        store.importRankings('race', [ranking('x1', 'bob', 'p')]),
        store.importRankings('race', [ranking('x2', 'bob', 'p')]),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toBeInstanceOf(StoreError);
      expect(String(refused.reason.message)).toMatch(/'bob'.*prompt 'p'.*a labeler ranks a prompt once/);
      expect(await store.listRankings({ round: 'race' })).toHaveLength(3);
      // two imports at once that both bring a new labeler: both land, under one labeler
      await Promise.all([
        store.importRankings('race', [ranking('y1', 'carol', 'p')]),
        store.importRankings('race', [ranking('y2', 'carol', 'q')]),
      ]);
      expect((await store.listLabelers()).filter((l) => l.name === 'carol')).toHaveLength(1);
      expect(await store.listRankings({ round: 'race' })).toHaveLength(5);
    },
  );

  it.skipIf(skip)('imports one file into two rounds; a ranking that clashes is refused by name', async () => {
    const rec = (id: string, promptId: string, labeler = 'hh-rlhf'): RankingRecord => ({
      id,
      round: 'x',
      labeler,
      prompt: { id: promptId, text: `prompt ${promptId}` },
      candidates: [
        { id: 'chosen', text: 'good' },
        { id: 'rejected', text: 'bad' },
      ],
      ordering: [['chosen'], ['rejected']],
      flags: {},
    });
    const file = [rec('hh-1', 'hh-1'), rec('hh-2', 'hh-2')];
    for (const name of ['first', 'second']) {
      await store.createRound({ name, focus: '', labelersPerPrompt: 1 });
      expect(await store.importRankings(name, file)).toEqual({ added: 2, existing: 0, prompts: 2 });
      expect(await store.importRankings(name, file)).toEqual({ added: 0, existing: 2, prompts: 0 });
    }
    for (const name of ['first', 'second']) {
      const out = await store.listRankings({ round: name });
      expect(out.map((r) => r.prompt.id).sort()).toEqual(['hh-1', 'hh-2']);
    }
    expect(await store.listRankings()).toHaveLength(4);
    // The same source ranking one prompt twice under another record id is a clash, not a repeat.
    await expect(store.importRankings('first', [rec('hh-1-again', 'hh-1')])).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/'hh-rlhf' has already ranked prompt 'hh-1' in round 'first'.*'hh-1'/),
    });
    // One record id for two different rankings is a clash too.
    await expect(store.importRankings('first', [rec('hh-1', 'hh-3')])).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/record id 'hh-1' is used by two different rankings/),
    });
    expect(await store.listRankings({ round: 'first' })).toHaveLength(2);
  });

  it.skipIf(skip)('re-importing a file imported before ids were per round adds nothing', async () => {
    await store.createRound({ name: 'old', focus: '', labelersPerPrompt: 1 });
    const rec: RankingRecord = {
      id: 'oasst-m1',
      round: 'old',
      labeler: 'oasst',
      prompt: { id: 'oasst-m1', text: 'q' },
      candidates: [
        { id: 'a', text: 'A' },
        { id: 'b', text: 'B' },
      ],
      ordering: [['a'], ['b']],
      flags: {},
    };
    await store.importRankings('old', [rec]);
    // What an import wrote before the round was part of the id.
    await store.db.run("UPDATE rankings SET submission_id = 'import:oasst-m1'");
    expect(await store.importRankings('old', [rec])).toEqual({ added: 0, existing: 1, prompts: 0 });
    expect(await store.listRankings()).toHaveLength(1);
  });
});
