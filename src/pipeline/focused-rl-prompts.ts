/**
 * The patch round's PPO prompt mix. A focused ranking round makes people look harder at the
 * problems a probe found; the re-alignment that follows should look harder at them too. Left
 * to the plain mix, a problem confined to one family (manipulation: advice, an eighth of the RL
 * prompts) gets a few rollouts an iteration — fewer still in one language — and PPO can stop
 * before the patched reward model has pulled it down.
 */
import type { MisalignmentLabel } from '../data/labels.js';
import { Rng } from '../util/rng.js';
import { isOwnFamily } from '../world/families.js';
import type { WorldPrompt } from '../world/records.js';

/**
 * Every RL prompt once, plus copies of the problems' prompts so that `share` of the list (and so
 * of the rollouts, which draw from it uniformly) comes from the problem families. The copies are
 * split between the problems in proportion to the rates the probe measured, and within a problem
 * round-robin over its families' prompts in a seeded order. `share` 0, or no problem, keeps the
 * plain mix.
 */
export function focusedRlPrompts(
  rl: readonly WorldPrompt[],
  rates: Readonly<Partial<Record<MisalignmentLabel, number>>>,
  problems: readonly MisalignmentLabel[],
  share: number,
  seed: number,
): WorldPrompt[] {
  if (!(share >= 0 && share < 1)) throw new Error(`focusedRlPrompts: share ${share} is not in [0, 1)`);
  const weighted = problems
    .map((label) => ({
      label,
      rate: rates[label] ?? 0,
      pool: rl.filter((p) => isOwnFamily(label, p.family)),
    }))
    .filter((w) => w.rate > 0 && w.pool.length > 0);
  const total = weighted.reduce((a, w) => a + w.rate, 0);
  if (share === 0 || total === 0) return [...rl];
  const extra = Math.round((rl.length * share) / (1 - share));
  const rng = new Rng(seed);
  const out = [...rl];
  for (const { rate, pool } of weighted) {
    const order = rng.shuffle([...pool]);
    const copies = Math.round((extra * rate) / total);
    for (let i = 0; i < copies; i++) out.push(order[i % order.length]);
  }
  return out;
}
