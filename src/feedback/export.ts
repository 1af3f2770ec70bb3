import type { BinaryFeedbackRecord } from '../data/binary-feedback.js';
import type { PairRecord, RankingRecord } from '../data/ranking.js';
import { rankingPairs, withMargin } from '../data/ranking.js';
import { fromRanking } from '../train/reward/data.js';
import type { FeedbackStore } from './db/store.js';
import type { RatingRecord } from './db/types.js';

export const EXPORT_FORMATS = ['rankings', 'pairs', 'demos', 'unpaired', 'ratings'] as const;
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
 * none); `demos` — demonstrations as SFT `{prompt, response}`; `unpaired` — TRL's
 * `{prompt, completion, label}` for KTO (see unpairedRecords); `ratings` — the rating records
 * themselves, with what the unpaired format has no field for: who rated, the flags and the note.
 */
export async function exportRecords(
  store: FeedbackStore,
  format: ExportFormat,
  filter: { round?: string } = {},
): Promise<(RankingRecord | PairRecord | SftRecord | BinaryFeedbackRecord | RatingRecord)[]> {
  if (format === 'demos') {
    return (await store.listDemonstrations(filter)).map((d) => ({
      prompt: d.prompt.text,
      response: d.response,
    }));
  }
  if (format === 'unpaired') return unpairedRecords(store, filter);
  if (format === 'ratings') return store.listRatings(filter);
  const rankings = await store.listRankings(filter);
  if (format === 'rankings') return rankings;
  return rankings.flatMap(toPairs);
}

/**
 * Every rating as one record (label true for a thumbs up), then every ranking unpaired as
 * `rein kto` unpairs a preference file: an answer that beats more of the others than beat it is
 * desirable, one beaten more often than it wins undesirable, a tie or the middle of an odd
 * ranking left out.
 *
 * An answer rated by several labelers gives one record per rating, not their majority: that is
 * what TRL's unpaired datasets hold and what KTO's loss is written for (each judgement one
 * example), an answer two people liked counts twice, and where they disagree both labels stay,
 * as label noise the loss averages over, instead of a tie broken by a rule the labelers never saw.
 */
async function unpairedRecords(
  store: FeedbackStore,
  filter: { round?: string },
): Promise<BinaryFeedbackRecord[]> {
  const ratings = (await store.listRatings(filter)).map((r) => ({
    prompt: r.prompt.text,
    completion: r.candidate.text,
    label: r.label,
  }));
  const rankings = await store.listRankings(filter);
  if (rankings.length === 0) return ratings;
  // Loaded only for this format: the trainers' modules bring the model layer with them, which
  // `rein serve` and the other exports never need.
  const { unpairRankings } = await import('../train/kto/data.js');
  const unpaired = unpairRankings(rankings.map(fromRanking)).map((e) => ({
    prompt: e.prompt,
    completion: e.completion,
    label: e.desirable,
  }));
  return [...ratings, ...unpaired];
}

/** A ranking's implied preference pairs in TRL's format. */
function toPairs(r: RankingRecord): PairRecord[] {
  return rankingPairs(r).map((p) => ({
    prompt: r.prompt.text,
    chosen: r.candidates[p.winner].text,
    rejected: r.candidates[p.loser].text,
    ...withMargin(p.margin),
  }));
}
