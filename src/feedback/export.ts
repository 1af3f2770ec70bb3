import type { PairRecord, RankingRecord } from '../data/ranking.js';
import { rankingPairs } from '../data/ranking.js';
import type { FeedbackStore } from './db/store.js';

export const EXPORT_FORMATS = ['rankings', 'pairs', 'demos'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** A demonstration as SFT data. */
export interface SftRecord {
  prompt: string;
  response: string;
}

/**
 * What an export holds: `rankings` — the ranking records themselves (what rein's reward
 * trainer reads, keeping each prompt's K candidates together); `pairs` — TRL's flat
 * `{prompt, chosen, rejected}`, all C(K,2) ordered pairs of each ranking (ties give
 * none); `demos` — demonstrations as SFT `{prompt, response}`.
 */
export async function exportRecords(
  store: FeedbackStore,
  format: ExportFormat,
  filter: { round?: string } = {},
): Promise<(RankingRecord | PairRecord | SftRecord)[]> {
  if (format === 'demos') {
    return (await store.listDemonstrations(filter)).map((d) => ({
      prompt: d.prompt.text,
      response: d.response,
    }));
  }
  const rankings = await store.listRankings(filter);
  if (format === 'rankings') return rankings;
  return rankings.flatMap(toPairs);
}

/** A ranking's implied preference pairs in TRL's format. */
function toPairs(r: RankingRecord): PairRecord[] {
  return rankingPairs(r).map((p) => ({
    prompt: r.prompt.text,
    chosen: r.candidates[p.winner].text,
    rejected: r.candidates[p.loser].text,
  }));
}
