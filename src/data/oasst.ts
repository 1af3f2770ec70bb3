import { z } from 'zod';
import { renderTurns, type Turn } from './conversation.js';
import { readJsonl } from './jsonl.js';
import type { RankingRecord } from './ranking.js';

/**
 * Open Assistant message trees (oasst1/oasst2 `*_tree.jsonl`): each line is one tree; a
 * prompter message's assistant replies carry a human `rank` (0 = best), aggregated from
 * several OpenAssistant volunteers. Sibling replies with ranks are one K-way ranking —
 * the InstructGPT shape — so they are read as rankings, not split into flat pairs.
 * Rank-0 replies double as demonstrations.
 */
export interface OasstMessage {
  message_id: string;
  text: string;
  role: 'prompter' | 'assistant';
  lang?: string;
  rank?: number | null;
  deleted?: boolean;
  replies?: OasstMessage[];
}

const OasstMessageSchema: z.ZodType<OasstMessage> = z.lazy(() =>
  z.looseObject({
    message_id: z.string().min(1),
    text: z.string(),
    role: z.enum(['prompter', 'assistant']),
    lang: z.string().optional(),
    rank: z.number().int().nullable().optional(),
    deleted: z.boolean().optional(),
    replies: z.array(OasstMessageSchema).optional(),
  }),
);

export const OasstTree = z.looseObject({
  message_tree_id: z.string().min(1),
  prompt: OasstMessageSchema,
});
export type OasstTree = z.infer<typeof OasstTree>;

/** Reads a tree file (JSONL, optionally .gz); a bad line names file, line and field. */
export function readOasstTrees(file: string): OasstTree[] {
  return readJsonl(file, OasstTree);
}

/** Each prompter message with its history and its live (not deleted) assistant replies. */
function* prompterNodes(tree: OasstTree): Generator<{ node: OasstMessage; history: Turn[] }> {
  const stack: { node: OasstMessage; history: Turn[] }[] = [{ node: tree.prompt, history: [] }];
  while (stack.length > 0) {
    const { node, history } = stack.pop()!;
    const turns: Turn[] = [
      ...history,
      { role: node.role === 'prompter' ? 'user' : 'assistant', text: node.text },
    ];
    if (node.role === 'prompter') yield { node, history: turns };
    for (const r of node.replies ?? []) if (!r.deleted) stack.push({ node: r, history: turns });
  }
}

export interface OasstOptions {
  /** Round name written into the records. */
  round: string;
  /** Labeler name for the records (the aggregated OpenAssistant volunteers). */
  labeler?: string;
  /** Only the first turn of each tree (the initial prompt), not replies deeper in. */
  firstTurnOnly?: boolean;
}

/**
 * One ranking per prompter message that has ≥ 2 ranked, undeleted assistant replies:
 * tiers by `rank` (equal ranks tie), best first. Unranked replies are left out.
 * Records with more than 16 ranked replies keep the best 16.
 */
export function oasstRankings(trees: readonly OasstTree[], opts: OasstOptions): RankingRecord[] {
  const out: RankingRecord[] = [];
  for (const tree of trees) {
    for (const { node, history } of prompterNodes(tree)) {
      if (opts.firstTurnOnly && history.length > 1) continue;
      const ranked = (node.replies ?? [])
        .filter((r) => r.role === 'assistant' && !r.deleted && typeof r.rank === 'number')
        .sort((a, b) => (a.rank as number) - (b.rank as number))
        .slice(0, 16);
      if (ranked.length < 2) continue;
      const tiers: string[][] = [];
      let last: number | null = null;
      for (const r of ranked) {
        if (r.rank === last) tiers[tiers.length - 1].push(r.message_id);
        else tiers.push([r.message_id]);
        last = r.rank as number;
      }
      out.push({
        id: `oasst-${node.message_id}`,
        round: opts.round,
        labeler: opts.labeler ?? 'oasst',
        prompt: {
          id: `oasst-${node.message_id}`,
          text: renderTurns(history),
          ...(node.lang ? { lang: node.lang } : {}),
        },
        // Candidates in the tree's own order (not by rank), so position gives nothing away.
        candidates: (node.replies ?? [])
          .filter((r) => ranked.includes(r))
          .map((r) => ({ id: r.message_id, text: r.text })),
        ordering: tiers,
        flags: {},
      });
    }
  }
  return out;
}

/** Rank-0 assistant replies as SFT demonstrations `{prompt, response}`. */
export function oasstDemonstrations(
  trees: readonly OasstTree[],
  opts: { firstTurnOnly?: boolean } = {},
): { prompt: string; response: string }[] {
  const out: { prompt: string; response: string }[] = [];
  for (const tree of trees) {
    for (const { node, history } of prompterNodes(tree)) {
      if (opts.firstTurnOnly && history.length > 1) continue;
      const best = (node.replies ?? []).find((r) => r.role === 'assistant' && !r.deleted && r.rank === 0);
      if (best) out.push({ prompt: renderTurns(history), response: best.text });
    }
  }
  return out;
}
