import type { Context } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { toJsonl } from '../../data/jsonl.js';
import { CANDIDATE_FLAGS } from '../../data/labels.js';
import { flagFrequencies, muchWorseMarks, pairwiseAgreement } from '../agreement.js';
import type { FeedbackStore } from '../db/store.js';
import { type Labeler, StoreError, type SubmitResult, type TaskView } from '../db/types.js';
import { exportRecords } from '../export.js';
import { candidateOrder } from '../order.js';
import { ratingStats } from '../rating-stats.js';
import { hashToken } from '../tokens.js';
import { HttpError } from './http-error.js';
import {
  DemonstrationBody,
  ExportQuery,
  RankingBody,
  RatingBody,
  RouteParam,
  SkipBody,
  TaskKindQuery,
} from './schemas.js';
import { securityHeaders } from './security-headers.js';

export interface AppOptions {
  store: FeedbackStore;
  /** Largest request body in bytes (413 above). */
  maxBodyBytes?: number;
  /** Mounts the web pages (the web layer sits above this one, so it is passed in). */
  pages?: (app: Hono<Env>) => void;
  /** Called for unexpected errors (default: console.error). */
  onUnexpectedError?: (err: unknown) => void;
}

export type Env = { Variables: { labeler: Labeler } };

/** The task as the client sees it: candidates shuffled for this labeler, ids opaque. */
function clientTask(t: TaskView, labelerId: string) {
  return {
    assignment_id: t.assignment_id,
    kind: t.kind,
    status: t.status,
    round: { name: t.round.name, focus: t.round.focus },
    prompt: { text: t.prompt.text, lang: t.prompt.lang },
    candidates: candidateOrder(t.candidates, labelerId, t.prompt.key).map((c) => ({
      id: c.id,
      text: c.text,
    })),
  };
}

/** The JSON API (and, when given, the pages) of the feedback app. */
export function createApp(opts: AppOptions): Hono<Env> {
  const { store } = opts;
  const app = new Hono<Env>();
  const unexpected = opts.onUnexpectedError ?? ((e) => console.error('rein serve: unexpected error:', e));

  app.use('*', securityHeaders());
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: opts.maxBodyBytes ?? 128 * 1024,
      onError: () => {
        throw new HttpError(
          413,
          'too_large',
          `request body is larger than ${opts.maxBodyBytes ?? 128 * 1024} bytes`,
        );
      },
    }),
  );

  // One place turns every failure into a response.
  app.onError((err, c) => {
    if (err instanceof HttpError) {
      if (err.status === 401) c.header('WWW-Authenticate', 'Bearer realm="rein"');
      return c.json(
        { error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) } },
        err.status,
      );
    }
    if (err instanceof StoreError) {
      const status = err.code === 'not_found' ? 404 : err.code === 'conflict' ? 409 : 400;
      return c.json(
        { error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) } },
        status,
      );
    }
    unexpected(err);
    return c.json({ error: { code: 'internal', message: 'internal error' } }, 500);
  });
  app.notFound((c) =>
    c.json({ error: { code: 'not_found', message: `no route ${c.req.method} ${c.req.path}` } }, 404),
  );

  app.get('/api/health', (c) => c.json({ ok: true }));

  // Every other /api route needs a bearer token.
  app.use('/api/*', async (c, next) => {
    if (c.req.path === '/api/health') return next();
    const header = c.req.header('Authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new HttpError(401, 'unauthorized', 'missing bearer token (Authorization: Bearer <token>)');
    const labeler = await store.labelerByTokenHash(hashToken(m[1]));
    if (!labeler) throw new HttpError(401, 'unauthorized', 'unknown token');
    c.set('labeler', labeler);
    return next();
  });
  app.use('/api/admin/*', async (c, next) => {
    if (c.get('labeler').role !== 'admin') throw new HttpError(403, 'forbidden', 'admins only');
    return next();
  });

  app.get('/api/me', (c) => {
    const l = c.get('labeler');
    return c.json({ name: l.name, role: l.role, flags: CANDIDATE_FLAGS });
  });

  app.get('/api/progress', async (c) => c.json({ progress: await store.progress(c.get('labeler').id) }));

  app.get('/api/tasks/next', async (c) => {
    const kind = parse(TaskKindQuery, c.req.query('kind'), 'kind');
    const me = c.get('labeler');
    const task = await store.nextTask(me.id, kind);
    const [progress] = await store.progress(me.id, [kind]);
    return c.json({ task: task ? clientTask(task, me.id) : null, progress });
  });

  app.get('/api/assignments/:id', async (c) => {
    const me = c.get('labeler');
    const task = await store.getTask(param(c, 'id'), me.id);
    if (!task) throw new HttpError(404, 'not_found', 'no such assignment for you');
    return c.json({ task: clientTask(task, me.id) });
  });

  const receipt = (c: Context<Env>, r: SubmitResult) => {
    if (r.replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(r.receipt, 201);
  };

  app.post('/api/assignments/:id/ranking', async (c) => {
    const body = parse(RankingBody, await readJson(c), null);
    const r = await store.submitRanking({
      labelerId: c.get('labeler').id,
      assignmentId: param(c, 'id'),
      submissionId: body.submission_id,
      ordering: body.ordering,
      gaps: body.gaps,
      flags: body.flags,
      note: body.note?.trim() || undefined,
      timeMs: body.time_ms,
    });
    return receipt(c, r);
  });

  app.post('/api/assignments/:id/rating', async (c) => {
    const body = parse(RatingBody, await readJson(c), null);
    const r = await store.submitRating({
      labelerId: c.get('labeler').id,
      assignmentId: param(c, 'id'),
      submissionId: body.submission_id,
      label: body.label,
      flags: body.flags,
      note: body.note?.trim() || undefined,
      timeMs: body.time_ms,
    });
    return receipt(c, r);
  });

  app.post('/api/assignments/:id/skip', async (c) => {
    const body = parse(SkipBody, await readJson(c), null);
    const r = await store.submitSkip({
      labelerId: c.get('labeler').id,
      assignmentId: param(c, 'id'),
      submissionId: body.submission_id,
      reason: body.reason?.trim() || undefined,
    });
    return receipt(c, r);
  });

  app.post('/api/assignments/:id/demonstration', async (c) => {
    const body = parse(DemonstrationBody, await readJson(c), null);
    const r = await store.submitDemonstration({
      labelerId: c.get('labeler').id,
      assignmentId: param(c, 'id'),
      submissionId: body.submission_id,
      response: body.response,
      timeMs: body.time_ms,
    });
    return receipt(c, r);
  });

  app.get('/api/admin/rounds', async (c) => c.json({ rounds: await store.listRounds() }));

  app.get('/api/admin/rounds/:round/stats', async (c) => {
    const round = param(c, 'round');
    const rankings = await store.listRankings({ round });
    return c.json({
      rankings: rankings.length,
      agreement: pairwiseAgreement(rankings),
      flags: flagFrequencies(rankings),
      much_worse: muchWorseMarks(rankings),
      ratings: ratingStats(await store.listRatings({ round })),
    });
  });

  app.get('/api/admin/export', async (c) => {
    const q = parse(ExportQuery, c.req.query(), null);
    const records = await exportRecords(store, q.format, { round: q.round });
    const name = `rein-${q.round ? `${q.round.replace(/[^A-Za-z0-9_.-]/g, '_')}-` : ''}${q.format}.jsonl`;
    c.header('Content-Disposition', `attachment; filename="${name}"`);
    c.header('Content-Type', 'application/x-ndjson; charset=utf-8');
    return c.body(toJsonl(records));
  });

  opts.pages?.(app);
  return app;
}

/** The JSON body, or a 415/400 saying why there is none. */
async function readJson(c: Context): Promise<unknown> {
  const type = c.req.header('Content-Type') ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(415, 'unsupported_media_type', 'send the body as application/json');
  }
  const text = await c.req.text();
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, 'invalid_json', `body is not valid JSON (${(e as Error).message})`);
  }
}

/** A path parameter, checked like a body field (a NUL in one would reach the database). */
function param(c: Context, name: string): string {
  const r = RouteParam.safeParse(c.req.param(name));
  if (r.success) return r.data;
  throw new HttpError(400, 'invalid', `path parameter '${name}': ${r.error.issues[0].message}`, name);
}

/** Validates with zod; the first issue becomes a 400 naming its field. */
function parse<S extends z.ZodType>(schema: S, value: unknown, field: string | null): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = [field, ...issue.path.map(String)].filter((p): p is string => !!p).join('.');
  throw new HttpError(
    400,
    'invalid',
    path ? `field '${path}': ${issue.message}` : issue.message,
    path || undefined,
  );
}
