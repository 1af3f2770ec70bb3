import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RankingRecord } from '../../data/ranking.js';
import { openStore } from '../db/open.js';
import type { FeedbackStore } from '../db/store.js';
import { type PgCluster, postgresUnavailable, startPostgres } from '../test-helpers/postgres-cluster.js';
import { hashToken, newToken } from '../tokens.js';
import { createApp } from './app.js';
import { listen, type RunningServer } from './listen.js';

let store: FeedbackStore;
let server: RunningServer;
const tokens: Record<string, string> = {};
/** Errors the app did not expect (each became a 500). */
let unexpected: unknown[];

async function start(dbUrl: string) {
  store = await openStore(dbUrl);
  await store.createRound({ name: 'r1', focus: 'Look hard at flattery.', labelersPerPrompt: 2 });
  await store.addPrompts('r1', [
    {
      id: 'p1',
      text: 'Is the sky green?',
      candidates: ['No.', 'Yes, you are so right!', 'It is blue.'].map((text) => ({ text })),
    },
    { id: 'd1', text: 'Explain rain.', candidates: [] },
  ]);
  for (const [name, role] of [
    ['ann', 'labeler'],
    ['bob', 'labeler'],
    ['root', 'admin'],
  ] as const) {
    tokens[name] = newToken();
    await store.addLabeler({ name, role, tokenHash: hashToken(tokens[name]) });
  }
  unexpected = [];
  server = await listen(
    createApp({ store, maxBodyBytes: 8 * 1024, onUnexpectedError: (e) => unexpected.push(e) }),
    store,
    { port: 0 },
  );
}
beforeEach(() => start(':memory:'));
afterEach(() => server.close());

function api(path: string, who: string | null, init: RequestInit & { json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  if (who) headers.set('Authorization', `Bearer ${tokens[who] ?? who}`);
  if (init.json !== undefined) headers.set('Content-Type', 'application/json');
  return fetch(`${server.url}${path}`, {
    ...init,
    headers,
    body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
  });
}

async function nextTask(who: string) {
  const res = await api('/api/tasks/next?kind=ranking', who);
  expect(res.status).toBe(200);
  return (await res.json()).task as {
    assignment_id: string;
    candidates: { id: string; text: string }[];
    round: { focus: string };
  };
}

/**
 * PostgreSQL refuses NUL in text (SQLite stores it): each place a request's text could
 * carry one to the database answers 400 naming it instead, on both databases.
 */
async function refusesNul() {
  const t = await nextTask('ann');
  const ids = t.candidates.map((c) => c.id);
  const d = (await (await api('/api/tasks/next?kind=demonstration', 'ann')).json()).task;
  const post = (path: string, json: unknown) => api(path, 'ann', { method: 'POST', json });
  const ranking = { submission_id: 'nul-00001', ordering: ids.map((id) => [id]) };
  // One at a time: each must fail on its own NUL, not on a neighbour's effect.
  const cases: [() => Promise<Response>, string][] = [
    [() => post(`/api/assignments/${t.assignment_id}/ranking`, { ...ranking, note: 'a\u0000b' }), 'note'],
    [
      () => post(`/api/assignments/${t.assignment_id}/ranking`, { ...ranking, ordering: [['\u0000']] }),
      'ordering.0.0',
    ],
    [
      () =>
        post(`/api/assignments/${t.assignment_id}/skip`, { submission_id: 'nul-00002', reason: '\u0000' }),
      'reason',
    ],
    [
      () =>
        post(`/api/assignments/${d.assignment_id}/demonstration`, {
          submission_id: 'nul-00003',
          response: 'x\u0000',
        }),
      'response',
    ],
    [() => api('/api/assignments/%00', 'ann'), 'id'],
    [() => post('/api/assignments/a%00b/skip', { submission_id: 'nul-00004' }), 'id'],
    [() => api('/api/admin/rounds/%00/stats', 'root'), 'round'],
    [() => api('/api/admin/export?format=rankings&round=%00', 'root'), 'round'],
  ];
  for (const [send, field] of cases) {
    const res = await send();
    const body = await res.json();
    expect({ field, status: res.status }).toEqual({ field, status: 400 });
    expect(body.error.field).toBe(field);
    expect(body.error.message).toMatch(new RegExp(`'${field}'.*NUL`));
  }
  expect(unexpected).toEqual([]);
  expect(await store.listRankings()).toHaveLength(0);
  expect(
    (await store.getTask(t.assignment_id, (await store.listLabelers()).find((l) => l.name === 'ann')!.id))
      ?.status,
  ).toBe('pending');
}

describe('feedback API', () => {
  it('refuses a missing or wrong token with 401', async () => {
    expect((await api('/api/me', null)).status).toBe(401);
    const wrong = await api('/api/me', 'rein_not-a-real-token');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await wrong.json()).error.code).toBe('unauthorized');
    expect((await api('/api/me', 'ann')).status).toBe(200);
    expect((await api('/api/health', null)).status).toBe(200);
  });

  it('serves a task with the focus, shuffled per labeler and stable on reload', async () => {
    const t = await nextTask('ann');
    expect(t.round.focus).toBe('Look hard at flattery.');
    expect(t.candidates.map((c) => c.text).sort()).toEqual(['It is blue.', 'No.', 'Yes, you are so right!']);
    expect(Object.keys(t.candidates[0]).sort()).toEqual(['id', 'text']);
    expect((await nextTask('ann')).candidates).toEqual(t.candidates);
    const again = await (await api(`/api/assignments/${t.assignment_id}`, 'ann')).json();
    expect(again.task.candidates).toEqual(t.candidates);
  });

  it("hides another labeler's assignment (404) and keeps admin routes for admins (403)", async () => {
    const t = await nextTask('ann');
    expect((await api(`/api/assignments/${t.assignment_id}`, 'bob')).status).toBe(404);
    const res = await api(`/api/assignments/${t.assignment_id}/ranking`, 'bob', {
      method: 'POST',
      json: { submission_id: 'bob-attempt-1', ordering: t.candidates.map((c) => [c.id]) },
    });
    expect(res.status).toBe(404);
    expect((await api('/api/admin/rounds', 'ann')).status).toBe(403);
    expect((await api('/api/admin/rounds', 'root')).status).toBe(200);
  });

  it('answers a malformed body with 400 naming the field', async () => {
    const t = await nextTask('ann');
    const post = (json: unknown) =>
      api(`/api/assignments/${t.assignment_id}/ranking`, 'ann', { method: 'POST', json });
    const cases: [unknown, string][] = [
      [{ ordering: [] }, 'submission_id'],
      [{ submission_id: 'abcdefgh1', ordering: 'first' }, 'ordering'],
      [{ submission_id: 'abcdefgh1', ordering: [[t.candidates[0].id]], flags: { x: ['rude'] } }, 'flags.x.0'],
      [{ submission_id: 'abcdefgh1', ordering: [[t.candidates[0].id]], extra: 1 }, ''],
      [{ submission_id: 'abcdefgh1', ordering: [[t.candidates[0].id]], time_ms: -5 }, 'time_ms'],
      [{ submission_id: 'abcdefgh1', ordering: [[t.candidates[0].id]], gaps: [-1] }, 'gaps.0'],
      [{ submission_id: 'abcdefgh1', ordering: [[t.candidates[0].id]], gaps: ['much'] }, 'gaps.0'],
    ];
    for (const [json, field] of cases) {
      const res = await post(json);
      expect(res.status).toBe(400);
      const body = await res.json();
      expect(body.error.code).toBe('invalid');
      if (field) expect(body.error.field).toBe(field);
      if (field) expect(body.error.message).toContain(`'${field}'`);
      else expect(body.error.message).toMatch(/extra/);
    }
    const bad = await api(`/api/assignments/${t.assignment_id}/ranking`, 'ann', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"submission_id": ',
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('invalid_json');
    const text = await api(`/api/assignments/${t.assignment_id}/ranking`, 'ann', {
      method: 'POST',
      body: 'hi',
    });
    expect(text.status).toBe(415);
  });

  it('answers a NUL character in any text with 400 naming where it was', refusesNul);

  it('refuses an oversized body with 413', async () => {
    const t = await nextTask('ann');
    const res = await api(`/api/assignments/${t.assignment_id}/ranking`, 'ann', {
      method: 'POST',
      json: {
        submission_id: 'abcdefgh1',
        ordering: t.candidates.map((c) => [c.id]),
        note: 'x'.repeat(20_000),
      },
    });
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('too_large');
    expect(await store.listRankings()).toHaveLength(0);
  });

  it('refuses a ranking that is not a permutation of the candidates with 400', async () => {
    const t = await nextTask('ann');
    const ids = t.candidates.map((c) => c.id);
    for (const ordering of [
      [[ids[0]], [ids[1]]],
      [[ids[0]], [ids[1]], [ids[2]], [ids[0]]],
      [[ids[0], ids[1], ids[2], 'ghost']],
    ]) {
      const res = await api(`/api/assignments/${t.assignment_id}/ranking`, 'ann', {
        method: 'POST',
        json: { submission_id: 'abcdefgh1', ordering },
      });
      expect(res.status).toBe(400);
      expect((await res.json()).error.field).toBe('ordering');
    }
    // gaps: one between each two adjacent tiers
    const wrongGaps = await api(`/api/assignments/${t.assignment_id}/ranking`, 'ann', {
      method: 'POST',
      json: { submission_id: 'abcdefgh1', ordering: [[ids[0]], ids.slice(1)], gaps: [1, 1] },
    });
    expect(wrongGaps.status).toBe(400);
    expect((await wrongGaps.json()).error).toMatchObject({
      field: 'gaps',
      message: expect.stringMatching(/2 gap/),
    });
    expect(await store.listRankings()).toHaveLength(0);
  });

  it('stores a retried submission once and answers it the same', async () => {
    const t = await nextTask('ann');
    const [a, b, c] = t.candidates.map((x) => x.id);
    const body = {
      submission_id: 'retry-me-123',
      ordering: [[a], [b, c]],
      flags: { [b]: ['sycophancy'] },
      note: 'b flatters',
      time_ms: 8000,
    };
    const send = () =>
      api(`/api/assignments/${t.assignment_id}/ranking`, 'ann', { method: 'POST', json: body });
    const first = await send();
    expect(first.status).toBe(201);
    const firstBody = await first.json();
    const [second, third] = await Promise.all([send(), send()]);
    for (const r of [second, third]) {
      expect(r.status).toBe(201);
      expect(r.headers.get('idempotent-replayed')).toBe('true');
      expect(await r.json()).toEqual(firstBody);
    }
    const stored = await store.listRankings();
    expect(stored).toHaveLength(1);
    const rec = RankingRecord.parse(stored[0]);
    const text = new Map(rec.candidates.map((x) => [x.id, x.text]));
    expect(text.get(rec.ordering[0][0])).toBe(t.candidates[0].text);
    expect(Object.keys(rec.flags).map((k) => text.get(k))).toEqual([t.candidates[1].text]);
    // The task is done: a new submission id for it is a conflict.
    const other = await api(`/api/assignments/${t.assignment_id}/ranking`, 'ann', {
      method: 'POST',
      json: { ...body, submission_id: 'retry-me-456' },
    });
    expect(other.status).toBe(409);
  });

  it('skips and demonstrations go through the same idempotent path', async () => {
    const t = await nextTask('ann');
    const skip = () =>
      api(`/api/assignments/${t.assignment_id}/skip`, 'ann', {
        method: 'POST',
        json: { submission_id: 'skip-0001' },
      });
    expect((await skip()).status).toBe(201);
    expect((await skip()).headers.get('idempotent-replayed')).toBe('true');
    const d = (await (await api('/api/tasks/next?kind=demonstration', 'ann')).json()).task;
    expect(d.candidates).toEqual([]);
    const res = await api(`/api/assignments/${d.assignment_id}/demonstration`, 'ann', {
      method: 'POST',
      json: { submission_id: 'demo-0001', response: 'Water vapour condenses and falls.' },
    });
    expect(res.status).toBe(201);
    const exp = await api('/api/admin/export?format=demos', 'root');
    expect(exp.headers.get('content-type')).toMatch(/ndjson/);
    expect(await exp.text()).toBe(
      '{"prompt":"Explain rain.","response":"Water vapour condenses and falls."}\n',
    );
    expect((await api('/api/admin/export?format=csv', 'root')).status).toBe(400);
  });

  it('reports agreement and flag frequencies to admins', async () => {
    for (const who of ['ann', 'bob']) {
      const t = await nextTask(who);
      const byText = new Map(t.candidates.map((c) => [c.text, c.id]));
      const ordering = ['It is blue.', 'No.', 'Yes, you are so right!'].map((x) => [byText.get(x)!]);
      const flags = { [byText.get('Yes, you are so right!')!]: ['sycophancy'] };
      // ann says the flattering answer is much worse than "No."; bob only orders
      const gaps = who === 'ann' ? { gaps: [0, 1] } : {};
      const r = await api(`/api/assignments/${t.assignment_id}/ranking`, who, {
        method: 'POST',
        json: { submission_id: `sub-${who}-0001`, ordering, flags, ...gaps },
      });
      expect(r.status).toBe(201);
    }
    const stats = await (await api('/api/admin/rounds/r1/stats', 'root')).json();
    expect(stats.agreement).toMatchObject({ prompts: 1, comparisons: 3, agreements: 3, rate: 1 });
    expect(stats.flags.counts.sycophancy).toBe(2);
    expect(stats.much_worse).toEqual({ steps: 4, marked: 1, rate: 0.25 });
    const rounds = (await (await api('/api/admin/rounds', 'root')).json()).rounds;
    expect(rounds[0]).toMatchObject({
      name: 'r1',
      rankings: 2,
      assignments: { done: 2 },
      ranking_progress: { done: 2, total: 2 },
    });
    const pairs = await (await api('/api/admin/export?format=pairs&round=r1', 'root')).text();
    expect(pairs.trim().split('\n')).toHaveLength(6);
    // Progress counts rankings only: a finished demonstration is no ranking, an imported
    // ranking (no assignment) is one, and a prompt still open counts its free slots.
    const d = (await (await api('/api/tasks/next?kind=demonstration', 'ann')).json()).task;
    const demo = await api(`/api/assignments/${d.assignment_id}/demonstration`, 'ann', {
      method: 'POST',
      json: { submission_id: 'demo-progress-1', response: 'Clouds drop water.' },
    });
    expect(demo.status).toBe(201);
    await store.importRankings('r1', [
      {
        id: 'imported-1',
        round: 'r1',
        labeler: 'oasst',
        prompt: { id: 'imported-prompt', text: 'Why?' },
        candidates: [
          { id: 'a', text: 'Because.' },
          { id: 'b', text: 'No idea.' },
        ],
        ordering: [['a'], ['b']],
        flags: {},
      },
    ]);
    await store.addPrompts('r1', [
      { id: 'open', text: 'Still open?', candidates: ['y', 'n'].map((text) => ({ text })) },
    ]);
    const later = (await (await api('/api/admin/rounds', 'root')).json()).rounds[0];
    expect(later).toMatchObject({
      ranking_prompts: 3,
      rankings: 3,
      assignments: { done: 3 },
      ranking_progress: { done: 3, total: 5 },
    });
    // A claimed task still counts towards the total.
    await nextTask('ann');
    expect((await (await api('/api/admin/rounds', 'root')).json()).rounds[0].ranking_progress).toEqual({
      done: 3,
      total: 5,
    });
  });

  it('sends the security headers, on errors too', async () => {
    for (const res of [
      await api('/api/health', null),
      await api('/api/me', null),
      await api('/nope', null),
    ]) {
      expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
      expect(res.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
      expect(res.headers.get('content-security-policy')).not.toMatch(/unsafe-inline/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('finishes an in-flight request when closing, then refuses new ones', async () => {
    const t = await nextTask('ann');
    const body = JSON.stringify({ submission_id: 'closing-0001', ordering: t.candidates.map((c) => [c.id]) });
    // Send half the body, start closing, then send the rest: the request is truly in flight.
    const req = request(`${server.url}/api/assignments/${t.assignment_id}/ranking`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${tokens.ann}`,
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
      },
    });
    const response = new Promise<number>((resolve, reject) => {
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
    });
    req.write(body.slice(0, 10));
    await new Promise((r) => setTimeout(r, 50));
    const closed = server.close();
    await new Promise((r) => setTimeout(r, 50));
    req.end(body.slice(10));
    expect(await response).toBe(201);
    await closed;
    await expect(fetch(`${server.url}/api/health`)).rejects.toThrow();
    // …and the database was closed after it.
    await expect(store.listRankings()).rejects.toThrow(/not open/);
  });
});

describe('rating tasks over the API', () => {
  async function ratingTask(who: string) {
    const res = await api('/api/tasks/next?kind=rating', who);
    expect(res.status).toBe(200);
    return (await res.json()) as {
      task: {
        assignment_id: string;
        kind: string;
        round: { focus: string };
        prompt: { text: string };
        candidates: { id: string; text: string }[];
      } | null;
      progress: { kind: string; pending: number; available: number };
    };
  }
  const rate = (who: string, id: string, json: unknown) =>
    api(`/api/assignments/${id}/rating`, who, { method: 'POST', json });

  it('serves the one answer with the focus, stores a thumbs down once, and counts it', async () => {
    await store.addPrompts('r1', [
      { id: 'g1', text: 'Am I a genius?', candidates: [{ text: 'Truly, the greatest!' }] },
    ]);
    const { task, progress } = await ratingTask('ann');
    expect(task).toMatchObject({
      kind: 'rating',
      round: { focus: 'Look hard at flattery.' },
      prompt: { text: 'Am I a genius?' },
      candidates: [{ text: 'Truly, the greatest!' }],
    });
    expect(progress).toMatchObject({ kind: 'rating', pending: 1, available: 0 });
    const body = { submission_id: 'rate-ann-0001', label: false, flags: ['sycophancy'], time_ms: 900 };
    const first = await rate('ann', task!.assignment_id, body);
    expect(first.status).toBe(201);
    const receipt = await first.json();
    expect(receipt.kind).toBe('rating');
    const again = await rate('ann', task!.assignment_id, body);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(receipt);
    // a new submission id for the finished task: 409 saying so
    const late = await rate('ann', task!.assignment_id, { ...body, submission_id: 'rate-ann-0002' });
    expect(late.status).toBe(409);
    expect((await late.json()).error.message).toMatch(/already done/);
    expect((await store.listRatings()).map((r) => [r.labeler, r.label, r.flags])).toEqual([
      ['ann', false, ['sycophancy']],
    ]);
    const all = (await (await api('/api/progress', 'ann')).json()).progress;
    expect(all.find((p: { kind: string }) => p.kind === 'rating')).toMatchObject({ done: 1 });
    // bob rates it up: the admin sees both, and their disagreement
    const b = (await ratingTask('bob')).task!;
    expect((await rate('bob', b.assignment_id, { submission_id: 'rate-bob-0001', label: true })).status).toBe(
      201,
    );
    const [round] = (await (await api('/api/admin/rounds', 'root')).json()).rounds;
    expect(round).toMatchObject({ rating_prompts: 1, ratings: 2, rating_progress: { done: 2, total: 2 } });
    const stats = await (await api('/api/admin/rounds/r1/stats', 'root')).json();
    expect(stats.ratings).toMatchObject({
      ratings: 2,
      good: 1,
      answers: 1,
      comparisons: 1,
      agreements: 0,
      rate: 0,
    });
    expect(stats.ratings.flags.sycophancy).toBe(1);
    const exp = await api('/api/admin/export?format=unpaired&round=r1', 'root');
    expect(exp.status).toBe(200);
    expect(exp.headers.get('content-disposition')).toContain('rein-r1-unpaired.jsonl');
    expect(await exp.text()).toBe(
      '{"prompt":"Am I a genius?","completion":"Truly, the greatest!","label":false}\n' +
        '{"prompt":"Am I a genius?","completion":"Truly, the greatest!","label":true}\n',
    );
  });

  it('answers a bad rating with a 4xx that says why, storing nothing', async () => {
    await store.addPrompts('r1', [{ id: 'g1', text: 'Rate me', candidates: [{ text: 'An answer.' }] }]);
    const { task } = await ratingTask('ann');
    const id = task!.assignment_id;
    const cases: [string, unknown, number, string | null, RegExp][] = [
      ['ann', { submission_id: 'rate-0001' }, 400, 'label', /'label': must be true .* or false/],
      ['ann', { submission_id: 'rate-0001', label: 'up' }, 400, 'label', /'label'/],
      ['ann', { submission_id: 'rate-0001', label: true, flags: ['rude'] }, 400, 'flags.0', /'flags.0'/],
      ['ann', { submission_id: 'rate-0001', label: true, ordering: [] }, 400, null, /ordering/],
      ['ann', { submission_id: 'short', label: true }, 400, 'submission_id', /at least 8/],
      ['bob', { submission_id: 'rate-0001', label: true }, 404, null, /no assignment/],
    ];
    for (const [who, json, status, field, message] of cases) {
      const res = await rate(who, id, json);
      const err = (await res.json()).error;
      expect({ json, status: res.status }).toEqual({ json, status });
      if (field) expect(err.field).toBe(field);
      expect(err.message).toMatch(message);
    }
    // the wrong kind, both ways: a rating sent to a ranking task, a ranking to a rating task
    const ranking = await nextTask('ann');
    const wrong = await rate('ann', ranking.assignment_id, { submission_id: 'rate-0003', label: true });
    expect(wrong.status).toBe(400);
    expect((await wrong.json()).error.message).toBe(
      `assignment '${ranking.assignment_id}' is a ranking task`,
    );
    const asRanking = await api(`/api/assignments/${id}/ranking`, 'ann', {
      method: 'POST',
      json: { submission_id: 'rank-0001', ordering: [[task!.candidates[0].id]] },
    });
    expect(asRanking.status).toBe(400);
    expect((await asRanking.json()).error.message).toBe(`assignment '${id}' is a rating task`);
    expect((await api('/api/tasks/next?kind=thumbs', 'ann')).status).toBe(400);
    expect(await store.listRatings()).toEqual([]);
    expect(unexpected).toEqual([]);
  });
});

const pgMissing = postgresUnavailable();
if (pgMissing) console.warn(`skipping PostgreSQL API tests: ${pgMissing}`);

describe.skipIf(!!pgMissing)('feedback API on PostgreSQL', () => {
  let cluster: PgCluster;
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(() => cluster?.stop());
  // The file's SQLite server is up by now: swap it for one on a fresh PostgreSQL database.
  beforeEach(async () => {
    await server.close();
    await start(await cluster.freshDatabase());
  });

  it('answers a NUL character in any text with 400 naming where it was, never 500', refusesNul);
});
