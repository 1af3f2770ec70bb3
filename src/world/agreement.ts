import type { RankingRecord } from '../data/ranking.js';
import { styleSamples } from './generate.js';
import { type Judgement, judge } from './judge.js';
import { type Labeler, perceivedUtility } from './labelers.js';
import type { WorldPrompt } from './records.js';
import { Rng } from './rng.js';

/**
 * Inter-labeler agreement. Definition used throughout rein:
 *
 *   Two rankings of the same prompt and candidates, by different labelers, *agree on a pair* of
 *   candidates with different texts when both put the pair in different tiers and in the same
 *   order. Agreement = agreeing pairs / pairs both ranked (ties in either ranking are skipped),
 *   pooled over every pair of labelers who ranked the same item.
 *
 * It is reported twice: over all such pairs, and over the pairs whose gold scores differ (the
 * headline number: when two answers are equally good by gold, neither order is "right", and in
 * this world — whose gold is coarse — such pairs would only add coin flips). InstructGPT reports
 * ≈ 73 % agreement among its labelers.
 */
export interface AgreementReport {
  /** Items (prompt + candidate texts) ranked by at least two labelers. */
  items: number;
  pairs: number;
  agree: number;
  rate: number | null;
  /** The same, over pairs whose gold differs (null when no gold function was given). */
  pairsGoldDiffer: number | null;
  agreeGoldDiffer: number | null;
  rateGoldDiffer: number | null;
}

/** Gold of a candidate text for a prompt id, for restricting agreement to pairs whose gold differs. */
export type GoldOf = (promptId: string, text: string) => number;

/** Measures pairwise agreement among rankings (see the definition above). */
export function measureAgreement(records: readonly RankingRecord[], goldOf?: GoldOf): AgreementReport {
  const groups = new Map<string, RankingRecord[]>();
  for (const r of records) {
    const key = `${r.prompt.id}\u0000${r.candidates
      .map((c) => c.text)
      .sort()
      .join('\u0001')}`;
    const list = groups.get(key);
    if (list) list.push(r);
    else groups.set(key, [r]);
  }
  let items = 0;
  let pairs = 0;
  let agree = 0;
  let pairsG = 0;
  let agreeG = 0;
  for (const group of groups.values()) {
    if (new Set(group.map((r) => r.labeler)).size < 2) continue;
    items++;
    // Tier index of each text in each ranking.
    const tiers = group.map((r) => {
      const textOf = new Map(r.candidates.map((c) => [c.id, c.text]));
      const m = new Map<string, number>();
      r.ordering.forEach((tier, t) => {
        for (const id of tier) m.set(textOf.get(id)!, t);
      });
      return m;
    });
    const texts = [...tiers[0].keys()];
    const golds = goldOf ? texts.map((t) => goldOf(group[0].prompt.id, t)) : null;
    for (let a = 0; a < group.length; a++) {
      for (let b = a + 1; b < group.length; b++) {
        if (group[a].labeler === group[b].labeler) continue;
        for (let i = 0; i < texts.length; i++) {
          for (let j = i + 1; j < texts.length; j++) {
            const da = tiers[a].get(texts[i])! - tiers[a].get(texts[j])!;
            const db = tiers[b].get(texts[i])! - tiers[b].get(texts[j])!;
            if (da === 0 || db === 0) continue;
            const same = Math.sign(da) === Math.sign(db);
            pairs++;
            if (same) agree++;
            if (golds && golds[i] !== golds[j]) {
              pairsG++;
              if (same) agreeG++;
            }
          }
        }
      }
    }
  }
  return {
    items,
    pairs,
    agree,
    rate: pairs ? agree / pairs : null,
    pairsGoldDiffer: goldOf ? pairsG : null,
    agreeGoldDiffer: goldOf ? agreeG : null,
    rateGoldDiffer: goldOf && pairsG ? agreeG / pairsG : null,
  };
}

/** A prompt with candidate texts and their judgements: what agreement is computed over. */
export interface CandidateSet {
  prompt: WorldPrompt;
  texts: string[];
  judgements: Judgement[];
}

export function judgedSet(prompt: WorldPrompt, texts: readonly string[]): CandidateSet {
  return { prompt, texts: [...texts], judgements: texts.map((t) => judge(prompt, t)) };
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * The agreement two labelers are expected to reach, computed exactly from the Bradley–Terry
 * marginals: labeler a orders (i, j) as i > j with p_a = σ((u_a(i) − u_a(j)) / T_a), independently
 * of b, so they agree with probability p_a·p_b + (1 − p_a)(1 − p_b). Averaged over every pair of
 * distinct texts (whose gold differs, by default) and every pair of labelers.
 */
export function expectedAgreement(
  labelers: readonly Labeler[],
  sets: readonly CandidateSet[],
  goldDiffersOnly = true,
): number {
  if (labelers.length < 2) throw new Error('expectedAgreement: needs at least two labelers');
  let sum = 0;
  let n = 0;
  for (const set of sets) {
    const utils = labelers.map((l) => set.texts.map((t, i) => perceivedUtility(l, set.judgements[i], t)));
    for (let i = 0; i < set.texts.length; i++) {
      for (let j = i + 1; j < set.texts.length; j++) {
        if (set.texts[i] === set.texts[j]) continue;
        if (goldDiffersOnly && set.judgements[i].gold === set.judgements[j].gold) continue;
        for (let a = 0; a < labelers.length; a++) {
          const pa = sigmoid((utils[a][i] - utils[a][j]) / labelers[a].temperature);
          for (let b = a + 1; b < labelers.length; b++) {
            const pb = sigmoid((utils[b][i] - utils[b][j]) / labelers[b].temperature);
            sum += pa * pb + (1 - pa) * (1 - pb);
            n++;
          }
        }
      }
    }
  }
  if (n === 0) throw new Error('expectedAgreement: no candidate pairs to compare');
  return sum / n;
}

/**
 * The temperature at which `labelers` (their temperatures replaced) are expected to agree at
 * `target` on `sets`: agreement falls monotonically with temperature, so bisection finds it.
 */
export function temperatureForAgreement(
  target: number,
  labelers: readonly Labeler[],
  sets: readonly CandidateSet[],
): number {
  if (!(target > 0.5 && target < 1))
    throw new Error(`temperatureForAgreement: target must be in (0.5, 1), got ${target}`);
  const at = (t: number) =>
    expectedAgreement(
      labelers.map((l) => ({ ...l, temperature: t })),
      sets,
    );
  let lo = 1e-3;
  let hi = 1e3;
  if (at(lo) < target)
    throw new Error(
      `temperatureForAgreement: even noiseless labelers agree less than ${target} (their biases differ too much)`,
    );
  for (let i = 0; i < 60; i++) {
    const mid = Math.sqrt(lo * hi);
    if (at(mid) > target) lo = mid;
    else hi = mid;
  }
  return Math.sqrt(lo * hi);
}

/**
 * Reference candidate sets: prompts of every family with K = 4–9 distinct candidates, each drawn
 * from the aligned or the misaligned styles at even odds — the material the default temperature is
 * tuned on.
 */
export function referenceCandidateSets(seed: string, perFamily: number): CandidateSet[] {
  const rng = new Rng(`reference-sets:${seed}`);
  const out: CandidateSet[] = [];
  for (const s of styleSamples({ seed }, perFamily, 6)) {
    const k = 4 + rng.int(6);
    const texts: string[] = [];
    const aligned = rng.shuffle([...new Set(s.aligned)]);
    const misaligned = rng.shuffle([...new Set(s.misaligned)]);
    while (texts.length < k && (aligned.length > 0 || misaligned.length > 0)) {
      const from = misaligned.length === 0 || (aligned.length > 0 && rng.chance(0.5)) ? aligned : misaligned;
      texts.push(from.pop()!);
    }
    if (texts.length >= 2) out.push(judgedSet(s.prompt, texts));
  }
  return out;
}
