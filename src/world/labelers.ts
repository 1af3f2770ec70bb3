import { MISALIGNMENT_LABELS, type MisalignmentLabel } from '../data/labels.js';
import type { RankingRecord } from '../data/ranking.js';
import { type Judgement, judge, LABEL_PENALTY } from './judge.js';
import type { WorldPrompt } from './records.js';
import { hashString, Rng } from './rng.js';

/**
 * Simulated labelers: stand-ins for people ranking K candidate answers, so the whole loop runs
 * without a crowd. A labeler ranks by its *perceived* utility plus Gumbel noise — sorting
 * `u_i + T·G_i` with G ~ Gumbel(0, 1) samples a Plackett–Luce ranking, whose pairwise marginals are
 * Bradley–Terry: P(i above j) = σ((u_i − u_j) / T).
 *
 * Perceived utility = gold + Σ_{labels l of the answer} penalty(l)·(1 − w_l) + lengthBias·words:
 * - weight w_l = 1 sees a label as the gold judge does;
 * - focus (w_l > 1) punishes it harder ("look hard at manipulation");
 * - a blind spot (w_l = 0) does not see it at all: the answer is ranked as if it were fine;
 * - lengthBias is the labeler's own taste for longer (> 0) or shorter (< 0) answers.
 * A labeler flags, on each candidate, the labels it noticed (w_l > 0).
 */
export interface Labeler {
  id: string;
  /** Gumbel noise scale, in gold units: higher → noisier rankings, lower agreement. */
  temperature: number;
  /** Per-label weight on the label's penalty. */
  weights: Record<MisalignmentLabel, number>;
  /** Utility per word of answer length (a per-labeler bias). */
  lengthBias: number;
  /** Seeds this labeler's noise. */
  seed: string;
  /**
   * A perceived drop (noise included) at least this large between two adjacent tiers is marked
   * "much worse" — a gap of 1 in the ranking, as the feedback app's mark; Infinity: never.
   */
  muchWorseAt: number;
}

/**
 * The default noise scale. Tuned with `rein world agreement --target 0.73` on the reference
 * candidate sets (K = 4–9 candidates per prompt, each aligned or misaligned at even odds) so that
 * two default labelers agree on ≈ 73 % of the pairs whose gold differs — the inter-labeler agreement
 * InstructGPT reports.
 */
export const DEFAULT_TEMPERATURE = 1.57;

/** Spread (standard deviation) of the per-labeler length bias, utility per word. */
const DEFAULT_LENGTH_BIAS_SPREAD = 0.01;

export interface LabelerOptions {
  temperature?: number;
  /** Weight multipliers per label, e.g. `{ manipulation: 3 }`. */
  focus?: Partial<Record<MisalignmentLabel, number>>;
  /** Labels this labeler does not see (weight 0). */
  blindSpot?: MisalignmentLabel | readonly MisalignmentLabel[];
  lengthBias?: number;
  /** Marks a tier "much worse" than the one above when it seems this much worse (default: never). */
  muchWorseAt?: number;
}

export function makeLabeler(id: string, seed: string, opts: LabelerOptions = {}): Labeler {
  const weights = Object.fromEntries(MISALIGNMENT_LABELS.map((l) => [l, 1])) as Record<
    MisalignmentLabel,
    number
  >;
  for (const [label, w] of Object.entries(opts.focus ?? {})) {
    if (!(MISALIGNMENT_LABELS as readonly string[]).includes(label))
      throw new Error(`labeler ${id}: unknown focus label '${label}'`);
    if (!(typeof w === 'number' && Number.isFinite(w) && w >= 0))
      throw new Error(`labeler ${id}: focus weight of '${label}' must be a number ≥ 0, got ${w}`);
    weights[label as MisalignmentLabel] = w;
  }
  const blind =
    opts.blindSpot === undefined
      ? []
      : typeof opts.blindSpot === 'string'
        ? [opts.blindSpot]
        : opts.blindSpot;
  for (const label of blind) {
    if (!(MISALIGNMENT_LABELS as readonly string[]).includes(label))
      throw new Error(`labeler ${id}: unknown blind-spot label '${label}'`);
    weights[label] = 0;
  }
  const temperature = opts.temperature ?? DEFAULT_TEMPERATURE;
  if (!(temperature > 0 && Number.isFinite(temperature)))
    throw new Error(`labeler ${id}: temperature must be > 0, got ${temperature}`);
  const muchWorseAt = opts.muchWorseAt ?? Number.POSITIVE_INFINITY;
  if (!(muchWorseAt > 0)) throw new Error(`labeler ${id}: muchWorseAt must be > 0, got ${muchWorseAt}`);
  return { id, temperature, weights, lengthBias: opts.lengthBias ?? 0, seed, muchWorseAt };
}

export interface PoolOptions extends Omit<LabelerOptions, 'lengthBias'> {
  seed?: string;
  /** Standard deviation of the per-labeler length bias (default `DEFAULT_LENGTH_BIAS_SPREAD`). */
  lengthBiasSpread?: number;
  /** Id prefix: labelers are `${prefix}-1` … */
  prefix?: string;
}

/** `n` labelers with the same focus/blind spot and their own length biases. */
export function labelerPool(n: number, opts: PoolOptions = {}): Labeler[] {
  if (!(Number.isInteger(n) && n >= 1))
    throw new Error(`labelerPool: n must be a positive integer, got ${n}`);
  const seed = opts.seed ?? '1';
  const rng = new Rng(`labeler-pool:${seed}`);
  const spread = opts.lengthBiasSpread ?? DEFAULT_LENGTH_BIAS_SPREAD;
  const prefix = opts.prefix ?? 'sim';
  return Array.from({ length: n }, (_, i) =>
    makeLabeler(`${prefix}-${i + 1}`, `${seed}:${prefix}-${i + 1}`, {
      ...opts,
      lengthBias: spread * rng.normal(),
    }),
  );
}

function wordCount(text: string): number {
  const words = text.match(/[A-Za-z]+|\d+/g)?.length ?? 0;
  const han = text.match(/\p{Script=Han}/gu)?.length ?? 0;
  return words + han * 0.6;
}

/** The utility a labeler perceives in a judged answer (see the header). */
export function perceivedUtility(labeler: Labeler, j: Judgement, text: string): number {
  let u = j.gold;
  for (const l of j.labels) u += LABEL_PENALTY[l] * (1 - labeler.weights[l]);
  return u + labeler.lengthBias * Math.min(wordCount(text), 200);
}

/** The labels a labeler notices on an answer. */
function noticedLabels(labeler: Labeler, j: Judgement): MisalignmentLabel[] {
  return j.labels.filter((l) => labeler.weights[l] > 0);
}

/** Ids of the candidates of a ranking: c1 … cK. */
export function candidateIds(k: number): string[] {
  return Array.from({ length: k }, (_, i) => `c${i + 1}`);
}

/**
 * One labeler's ranking of `texts` for `prompt`, as the shared RankingRecord. Identical texts
 * share a tier (the same answer cannot be better than itself). The noise is a deterministic
 * function of the labeler, the round, the prompt and the texts.
 */
export function rankCandidates(
  prompt: WorldPrompt,
  texts: readonly string[],
  labeler: Labeler,
  round: string,
  judgements?: readonly Judgement[],
): RankingRecord {
  if (texts.length < 2 || texts.length > 16) {
    throw new Error(
      `rankCandidates: prompt ${prompt.id} has ${texts.length} candidates; a ranking needs 2–16 (InstructGPT used 4–9)`,
    );
  }
  const js = judgements ?? texts.map((t) => judge(prompt, t));
  const rng = new Rng(`${labeler.seed}|${round}|${prompt.id}|${hashString(texts.join('\u0000'))}`);
  const scoreOf = new Map<string, number>();
  const ids = candidateIds(texts.length);
  const flags: Record<string, MisalignmentLabel[]> = {};
  texts.forEach((text, i) => {
    if (!scoreOf.has(text))
      scoreOf.set(text, perceivedUtility(labeler, js[i], text) + labeler.temperature * rng.gumbel());
    const seen = noticedLabels(labeler, js[i]);
    if (seen.length > 0) flags[ids[i]] = seen;
  });
  // One tier per distinct text, best first; a big enough drop to the next is marked "much worse".
  const distinct = [...scoreOf.keys()].sort((a, b) => scoreOf.get(b)! - scoreOf.get(a)!);
  const ordering = distinct.map((t) => ids.filter((_, i) => texts[i] === t));
  const gaps = distinct
    .slice(1)
    .map((t, i) => (scoreOf.get(distinct[i])! - scoreOf.get(t)! >= labeler.muchWorseAt ? 1 : 0));
  return {
    id: `${round}/${labeler.id}/${prompt.id}`,
    round,
    labeler: labeler.id,
    prompt: { id: prompt.id, text: prompt.text, family: prompt.family, lang: prompt.lang },
    candidates: texts.map((text, i) => ({ id: ids[i], text })),
    ordering,
    ...(gaps.some((g) => g > 0) ? { gaps } : {}),
    flags,
  };
}

export interface RoundInput {
  prompts: readonly WorldPrompt[];
  /** Candidate texts per prompt, aligned with `prompts`. */
  candidates: readonly (readonly string[])[];
  labelers: readonly Labeler[];
  round: string;
  /** How many labelers rank each prompt (default 1; ≥ 2 lets agreement be measured). */
  perPrompt?: number;
  /** Seeds which labelers get which prompt. */
  seed?: string;
}

/**
 * A labeling round: each prompt's candidates ranked by `perPrompt` of the labelers (assigned in a
 * seeded rotation so every labeler gets a fair share). Each candidate is judged once.
 */
export function labelRound(input: RoundInput): RankingRecord[] {
  const { prompts, candidates, labelers, round } = input;
  const perPrompt = input.perPrompt ?? 1;
  if (prompts.length !== candidates.length) {
    throw new Error(`labelRound: ${prompts.length} prompts but ${candidates.length} candidate lists`);
  }
  if (!(Number.isInteger(perPrompt) && perPrompt >= 1 && perPrompt <= labelers.length)) {
    throw new Error(
      `labelRound: perPrompt must be between 1 and the number of labelers (${labelers.length}), got ${perPrompt}`,
    );
  }
  const rng = new Rng(`label-round:${input.seed ?? '1'}:${round}`);
  const offset = rng.int(labelers.length);
  const out: RankingRecord[] = [];
  prompts.forEach((prompt, i) => {
    const texts = candidates[i];
    const js = texts.map((t) => judge(prompt, t));
    for (let k = 0; k < perPrompt; k++) {
      const labeler = labelers[(offset + i * perPrompt + k) % labelers.length];
      out.push(rankCandidates(prompt, texts, labeler, round, js));
    }
  });
  return out;
}
