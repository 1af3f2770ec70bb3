import type { RankingRecord } from '../../data/ranking.js';
import { num } from './columns.js';
import type { SqlExecutor } from './driver.js';
import { requireRound } from './rounds.js';
import type { DemonstrationRecord, RatingRecord } from './types.js';

/**
 * The stored rankings, ratings and demonstrations read back as the records trainers take
 * (data/ranking.ts's ranking record, the rating record, the demonstration record), for exports
 * and the admin page.
 */

/** Every stored ranking as a ranking record (the schema trainers read), oldest first (ties in time: prompt order). */
export async function listRankings(
  db: SqlExecutor,
  filter: { round?: string } = {},
): Promise<RankingRecord[]> {
  const round = filter.round ? await requireRound(db, filter.round) : null;
  const rows = await db.all<{
    id: string;
    round_name: string;
    labeler_name: string;
    prompt_id: string;
    ext_id: string;
    text: string;
    family: string | null;
    lang: string | null;
    ordering: string;
    gaps: string | null;
    flags: string;
    note: string | null;
    time_ms: unknown;
    created_at: string;
  }>(
    `SELECT k.id, r.name AS round_name, l.name AS labeler_name, p.id AS prompt_id, p.ext_id, p.text, p.family, p.lang,
              k.ordering, k.gaps, k.flags, k.note, k.time_ms, k.created_at
       FROM rankings k JOIN prompts p ON p.id = k.prompt_id JOIN rounds r ON r.id = p.round_id
       JOIN labelers l ON l.id = k.labeler_id
       ${round ? 'WHERE p.round_id = ?' : ''} ORDER BY k.created_at, p.seq, k.id`,
    round ? [round.id] : [],
  );
  const cands = await db.all<{ prompt_id: string; ext_id: string; text: string }>(
    `SELECT c.prompt_id, c.ext_id, c.text FROM candidates c
       ${round ? 'JOIN prompts p ON p.id = c.prompt_id WHERE p.round_id = ?' : ''} ORDER BY c.prompt_id, c.position`,
    round ? [round.id] : [],
  );
  const byPrompt = new Map<string, { id: string; text: string }[]>();
  for (const c of cands) {
    let list = byPrompt.get(c.prompt_id);
    if (!list) byPrompt.set(c.prompt_id, (list = []));
    list.push({ id: c.ext_id, text: c.text });
  }
  return rows.map((k) => {
    const rec: RankingRecord = {
      id: k.id,
      round: k.round_name,
      labeler: k.labeler_name,
      prompt: {
        id: k.ext_id,
        text: k.text,
        ...(k.family != null ? { family: k.family } : {}),
        ...(k.lang != null ? { lang: k.lang } : {}),
      },
      candidates: byPrompt.get(k.prompt_id) ?? [],
      ordering: JSON.parse(k.ordering),
      ...(k.gaps != null ? { gaps: JSON.parse(k.gaps) } : {}),
      flags: JSON.parse(k.flags),
      created_at: k.created_at,
    };
    if (k.note != null) rec.note = k.note;
    if (k.time_ms != null) rec.time_ms = num(k.time_ms);
    return rec;
  });
}

/** Every stored rating as a rating record, oldest first (ties in time: prompt order). */
export async function listRatings(db: SqlExecutor, filter: { round?: string } = {}): Promise<RatingRecord[]> {
  const round = filter.round ? await requireRound(db, filter.round) : null;
  const rows = await db.all<{
    id: string;
    round_name: string;
    labeler_name: string;
    ext_id: string;
    text: string;
    family: string | null;
    lang: string | null;
    candidate_ext_id: string;
    candidate_text: string;
    label: unknown;
    flags: string;
    note: string | null;
    time_ms: unknown;
    created_at: string;
  }>(
    `SELECT g.id, r.name AS round_name, l.name AS labeler_name, p.ext_id, p.text, p.family, p.lang,
              c.ext_id AS candidate_ext_id, c.text AS candidate_text, g.label, g.flags, g.note, g.time_ms, g.created_at
       FROM ratings g JOIN prompts p ON p.id = g.prompt_id JOIN rounds r ON r.id = p.round_id
       JOIN labelers l ON l.id = g.labeler_id JOIN candidates c ON c.id = g.candidate_id
       ${round ? 'WHERE p.round_id = ?' : ''} ORDER BY g.created_at, p.seq, g.id`,
    round ? [round.id] : [],
  );
  return rows.map((g) => ({
    id: g.id,
    round: g.round_name,
    labeler: g.labeler_name,
    prompt: {
      id: g.ext_id,
      text: g.text,
      ...(g.family != null ? { family: g.family } : {}),
      ...(g.lang != null ? { lang: g.lang } : {}),
    },
    candidate: { id: g.candidate_ext_id, text: g.candidate_text },
    label: num(g.label) === 1,
    flags: JSON.parse(g.flags),
    ...(g.note != null ? { note: g.note } : {}),
    ...(g.time_ms != null ? { time_ms: num(g.time_ms) } : {}),
    created_at: g.created_at,
  }));
}

/** Every stored demonstration as a demonstration record, oldest first (ties in time: prompt order). */
export async function listDemonstrations(
  db: SqlExecutor,
  filter: { round?: string } = {},
): Promise<DemonstrationRecord[]> {
  const round = filter.round ? await requireRound(db, filter.round) : null;
  const rows = await db.all<{
    id: string;
    round_name: string;
    labeler_name: string;
    ext_id: string;
    text: string;
    lang: string | null;
    response: string;
    time_ms: unknown;
    created_at: string;
  }>(
    `SELECT d.id, r.name AS round_name, l.name AS labeler_name, p.ext_id, p.text, p.lang, d.response, d.time_ms, d.created_at
       FROM demonstrations d JOIN prompts p ON p.id = d.prompt_id JOIN rounds r ON r.id = p.round_id
       JOIN labelers l ON l.id = d.labeler_id
       ${round ? 'WHERE p.round_id = ?' : ''} ORDER BY d.created_at, p.seq, d.id`,
    round ? [round.id] : [],
  );
  return rows.map((d) => ({
    id: d.id,
    round: d.round_name,
    labeler: d.labeler_name,
    prompt: { id: d.ext_id, text: d.text, ...(d.lang != null ? { lang: d.lang } : {}) },
    response: d.response,
    ...(d.time_ms != null ? { time_ms: num(d.time_ms) } : {}),
    created_at: d.created_at,
  }));
}
