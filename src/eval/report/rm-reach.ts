/** The report's account of how far the reward models' judgement reaches (pipeline/rm-reach.ts). */
import { percent } from '../interval.js';
import { escapeXml } from './svg-chart.js';

/** A reward model's pairwise accuracy on a policy's answers to one family's prompts (null: no pairs). */
export interface FamilyAccuracy {
  accuracy: number | null;
  pairs: number;
}

/**
 * How far a reward model's judgement reaches: per family, its accuracy on the round-1 policy's own
 * answers (pairs to one prompt whose gold differs) to RL prompts, about entities the rankings cover,
 * and to the held-out evaluation prompts.
 */
export interface RmReach {
  rl: Record<string, FamilyAccuracy>;
  heldout: Record<string, FamilyAccuracy>;
}

const cell = (a: FamilyAccuracy | undefined): string =>
  a === undefined || a.accuracy === null ? '<td>—</td>' : `<td>${percent(a.accuracy)} (${a.pairs})</td>`;

/** A paragraph and a table, family by family; nothing for a report without the figures. */
export function rmReachSection(reach: { round1: RmReach; final: RmReach } | undefined): string {
  if (reach === undefined) return '';
  const { round1, final } = reach;
  const families = [...new Set([round1.rl, round1.heldout, final.rl, final.heldout].flatMap(Object.keys))];
  const rows = families
    .map(
      (f) =>
        `<tr><td>${escapeXml(f)}</td>${cell(round1.rl[f])}${cell(round1.heldout[f])}${cell(final.rl[f])}${cell(final.heldout[f])}</tr>`,
    )
    .join('');
  return `<p>How far does the reward models' judgement reach? The round-1 policy's own answers, several to each
prompt: of every two answers to one prompt that gold tells apart, the share each reward model orders like gold (pairs
in brackets; 50 % is chance), on RL prompts, about entities the rankings cover, and on the held-out prompts the
evaluation asks, about entities no training prompt names. PPO learns on the first kind; what it learns carries to
the second only as far as the reward model's judgement does.</p>
<table><tr><th>family</th><th>round 1's RM, RL prompts</th><th>round 1's RM, held-out</th><th>final RM, RL prompts</th><th>final RM, held-out</th></tr>${rows}</table>`;
}
