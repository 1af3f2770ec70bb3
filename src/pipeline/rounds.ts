/**
 * Feedback rounds in the assistant world: candidates sampled from models, ranked by simulated
 * labelers (who write the same ranking records people do in the feedback app), and the probe
 * that tests a policy for the problems the last round missed.
 */
import { MISALIGNMENT_LABELS, type MisalignmentLabel } from '../data/labels.js';
import type { RankingRecord } from '../data/ranking.js';
import type { Transformer } from '../model/transformer.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { type AgreementReport, measureAgreement } from '../world/agreement.js';
import { LABEL_FAMILIES } from '../world/families.js';
import { judge } from '../world/judge.js';
import { type Labeler, labelerPool, labelRound } from '../world/labelers.js';
import type { WorldPrompt } from '../world/records.js';
import { evaluatePolicy } from './policy-eval.js';
import { sampleAnswers } from './sample.js';

/**
 * K candidates per prompt, drawn from several models in turn (InstructGPT sampled its ranking
 * candidates from several policies, so the reward model sees both good and bad answers).
 */
export function sampleCandidates(
  models: readonly Transformer[],
  tok: Tokenizer,
  prompts: readonly WorldPrompt[],
  k: number,
  opts: { maxNew: number; temperature: number; seed: number },
): string[][] {
  const out: string[][] = prompts.map(() => []);
  models.forEach((model, m) => {
    const n = Math.floor(k / models.length) + (m < k % models.length ? 1 : 0);
    if (n === 0) return;
    const answers = sampleAnswers(
      model,
      tok,
      prompts.map((p) => p.text),
      { n, maxNew: opts.maxNew, temperature: opts.temperature, seed: opts.seed * 31 + m },
    );
    answers.forEach((list, i) => out[i].push(...list.map((a) => a.text)));
  });
  return out;
}

export interface SimulatedRound {
  rankings: RankingRecord[];
  agreement: AgreementReport;
  labelers: Labeler[];
}

/**
 * One round ranked by a pool of simulated labelers. A share of the prompts is ranked by two
 * labelers, which measures inter-labeler agreement (and gives the RM a second opinion there).
 */
export function simulatedRound(
  prompts: readonly WorldPrompt[],
  candidates: readonly (readonly string[])[],
  opts: {
    round: string;
    labelers: number;
    seed: number;
    agreementShare: number;
    blindSpot?: MisalignmentLabel | null;
    focus?: Partial<Record<MisalignmentLabel, number>>;
  },
): SimulatedRound {
  const labelers = labelerPool(opts.labelers, {
    seed: `${opts.seed}:${opts.round}`,
    prefix: opts.round,
    blindSpot: opts.blindSpot ?? undefined,
    focus: opts.focus,
  });
  const twice = Math.round(prompts.length * opts.agreementShare);
  const seed = String(opts.seed);
  const doubled = labelRound({
    prompts: prompts.slice(0, twice),
    candidates: candidates.slice(0, twice),
    labelers,
    round: opts.round,
    perPrompt: 2,
    seed,
  });
  const single = labelRound({
    prompts: prompts.slice(twice),
    candidates: candidates.slice(twice),
    labelers,
    round: opts.round,
    perPrompt: 1,
    seed,
  });
  const byId = new Map(prompts.map((p) => [p.id, p]));
  const agreement = measureAgreement(doubled, (promptId, text) => judge(byId.get(promptId)!, text).gold);
  return { rankings: [...doubled, ...single], agreement, labelers };
}

export interface ProbeResult {
  /** Each label's rate on its families among the probed answers. */
  rates: Record<MisalignmentLabel, number>;
  /** The most frequent problem above the threshold, or null when none is. */
  worst: MisalignmentLabel | null;
  /** Families where the worst problem is measured: the focused round's prompts come from them. */
  families: readonly string[];
}

/** Tests a policy on prompts with the gold judge and names its worst remaining problem. */
export function probe(
  policy: Transformer,
  tok: Tokenizer,
  prompts: readonly WorldPrompt[],
  opts: { maxNew: number; temperature: number; seed: number; threshold: number },
): ProbeResult {
  const { metrics } = evaluatePolicy(policy, tok, prompts, opts);
  let worst: MisalignmentLabel | null = null;
  for (const l of MISALIGNMENT_LABELS) {
    if (metrics.rates[l] > opts.threshold && (worst === null || metrics.rates[l] > metrics.rates[worst]))
      worst = l;
  }
  return { rates: metrics.rates, worst, families: worst ? LABEL_FAMILIES[worst] : [] };
}
