import { z } from 'zod';
import { CANDIDATE_FLAGS } from '../../data/labels.js';
import { Gap, MAX_TIME_MS } from '../../data/ranking.js';
import { TASK_KINDS } from '../db/types.js';
import { EXPORT_FORMATS } from '../export.js';

/**
 * Request bodies of the JSON API. Strict objects: an unknown field is a 400 naming it,
 * so a client typo never silently drops data. Sizes are bounded here as well as by the
 * byte limit on the body.
 */

/**
 * A string the store can keep on either database: PostgreSQL refuses the NUL character
 * in text, so without this check a NUL would pass on SQLite and be a 500 on PostgreSQL.
 */
const storableText = () => z.string().regex(/^[^\0]*$/, 'may not contain the NUL character (\\u0000)');

/** The client's idempotency key: one per task attempt, reused on every retry of it. */
const submissionId = z
  .string()
  .min(8, 'must be at least 8 characters (use a random UUID)')
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'may only hold letters, digits and _ . : -');

export const RankingBody = z.strictObject({
  submission_id: submissionId,
  ordering: z
    .array(z.array(storableText().min(1).max(64)).min(1).max(16))
    .min(1)
    .max(16),
  /** How much better each tier is than the next, one number per adjacent pair (the RM's margins). */
  gaps: z.array(Gap).max(15).optional(),
  flags: z
    .record(storableText().max(64), z.array(z.enum(CANDIDATE_FLAGS)).max(CANDIDATE_FLAGS.length))
    .default({}),
  note: storableText().max(4000).optional(),
  time_ms: z.number().nonnegative().max(MAX_TIME_MS).optional(),
});

/** A thumbs up (`label: true`) or down on a rating task's one answer, with any problems seen in it. */
export const RatingBody = z.strictObject({
  submission_id: submissionId,
  label: z.boolean({ error: 'must be true (a good answer) or false (a bad one)' }),
  flags: z.array(z.enum(CANDIDATE_FLAGS)).max(CANDIDATE_FLAGS.length).default([]),
  note: storableText().max(4000).optional(),
  time_ms: z.number().nonnegative().max(MAX_TIME_MS).optional(),
});

export const SkipBody = z.strictObject({
  submission_id: submissionId,
  reason: storableText().max(1000).optional(),
});

export const DemonstrationBody = z.strictObject({
  submission_id: submissionId,
  response: storableText().min(1).max(20_000),
  time_ms: z.number().nonnegative().max(MAX_TIME_MS).optional(),
});

export const TaskKindQuery = z.enum(TASK_KINDS).default('ranking');
export const ExportQuery = z.strictObject({
  format: z.enum(EXPORT_FORMATS),
  round: storableText().min(1).optional(),
});
/** A path parameter (an assignment id, a round name or id). */
export const RouteParam = storableText().min(1);
