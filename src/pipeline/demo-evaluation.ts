/**
 * The demo's last step: every stage measured on the held-out prompts and judged by gold, plus
 * what the report says about the reward models (against the labelers, on right vs wrong answers,
 * how far their judgement reaches), the win rate and KL of the final policy against SFT, and the
 * over-optimisation curves. Nothing here trains; each evaluation draws from its own seed.
 */
import type { RankingRecord } from '../data/ranking.js';
import type {
  DemoReport,
  OveroptPoint,
  RoundSummary,
  SampleRow,
  StageMetrics,
} from '../eval/report/demo-report.js';
import { goldWinRate } from '../eval/world-metrics.js';
import type { Transformer } from '../model/transformer.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import type { PpoIterationLog } from '../train/ppo/train.js';
import { scoreAnswers } from '../train/reward/score.js';
import { mean } from '../util/stats.js';
import { answerPairs } from '../world/answer-pairs.js';
import { FAMILIES } from '../world/families.js';
import type { World } from '../world/generate.js';
import type { WorldPrompt } from '../world/records.js';
import { likelihoodAnswerCheck, rewardModelAnswerCheck } from './answer-check.js';
import type { DemoConfig } from './demo-config.js';
import { evaluatePolicy, type PolicyEvaluation } from './policy-eval.js';
import { type JudgedAnswers, rmReach } from './rm-reach.js';
import { accuracyWhereGoldDiffers } from './rounds.js';
import { sequenceKl } from './sequence-kl.js';

type Sampling = { maxNew: number; temperature: number };

/** What the earlier stages hand the evaluation. */
export interface DemoEvaluationInputs {
  cfg: DemoConfig;
  world: World;
  tok: Tokenizer;
  models: {
    base: Transformer;
    sft: Transformer;
    /** Round 1's reward model, and the one PPO last trained against (the patched one, if any). */
    rm1: Transformer;
    finalRm: Transformer;
    /** Round 1's policy, and the final one (the same model when there was no patch). */
    ppo1: Transformer;
    finalPolicy: Transformer;
    dpo: Transformer;
  };
  finalIsRound1: boolean;
  /** The held-out prompts, each as often as it is answered, and their sampling. */
  evalSet: readonly WorldPrompt[];
  sampling: Sampling;
  /** The probe's RL prompts (each as often as it is answered) and its sampling. */
  probeSet: readonly WorldPrompt[];
  probeSampling: Sampling & { seed: number };
  /** Round 1's policy on the held-out prompts (measured before the probe). */
  ppo1Eval: PolicyEvaluation;
  /** The rounds so far; the last one's policy figures become the final evaluation's. */
  rounds: RoundSummary[];
  round1: { rankings: readonly RankingRecord[]; agreement: { all: number; goldDiffer: number } };
  rm1: { heldoutAccuracy: number; pairs: number; heldoutIds: readonly string[] };
  /** Every PPO iteration of the final policy's path (round 1's, then the patch's). */
  finalHistory: readonly PpoIterationLog[];
  bonCurve: OveroptPoint[];
}

export type DemoMeasurements = Pick<
  DemoReport,
  | 'stages'
  | 'ppo_on_rl_prompts'
  | 'ppo_vs_sft'
  | 'rm'
  | 'ppo_curve'
  | 'overoptimisation'
  | 'rounds'
  | 'samples'
>;

/** One stage's answers to the held-out prompts, judged (each stage samples from the same seed). */
export function evaluateStage(
  name: string,
  model: Transformer,
  tok: Tokenizer,
  prompts: readonly WorldPrompt[],
  sampling: Sampling,
  seed: number,
): PolicyEvaluation {
  process.stderr.write(`  evaluating ${name}: ${prompts.length} answers to held-out prompts\n`);
  return evaluatePolicy(model, tok, prompts, { ...sampling, seed: seed + 101 });
}

export function evaluateDemo(inputs: DemoEvaluationInputs): DemoMeasurements {
  const { cfg, world, tok, models, evalSet, sampling, probeSet, probeSampling, ppo1Eval, rounds } = inputs;
  const { round1, rm1, finalHistory } = inputs;
  const { sft, finalRm } = models;

  // the RM against the labelers on the same footing: held-out pairs whose gold differs
  const heldIds = new Set(rm1.heldoutIds);
  const rmGoldDiffer = accuracyWhereGoldDiffers(
    models.rm1,
    tok,
    round1.rankings.filter((r) => heldIds.has(r.id)),
    world,
  );

  // every stage on the held-out prompts, judged by gold
  const evals: Record<string, PolicyEvaluation> = {};
  evals.base = evaluateStage('base', models.base, tok, evalSet, sampling, cfg.seed);
  evals.sft = evaluateStage('sft', sft, tok, evalSet, sampling, cfg.seed);
  if (rounds.length > 1) evals.ppo_round1 = ppo1Eval;
  evals.ppo = evaluateStage('ppo', models.finalPolicy, tok, evalSet, sampling, cfg.seed);
  if (rounds.length > 1) rounds[rounds.length - 1].policy = evals.ppo.metrics;
  evals.dpo = evaluateStage('dpo', models.dpo, tok, evalSet, sampling, cfg.seed);

  // what the reward needs to check: a right answer against the same sentence gone wrong, by the
  // reward models, by SFT's own likelihood, and by DPO's implicit reward
  const checkPairs = answerPairs(world.eval);
  const answerCheck = {
    sft_likelihood: likelihoodAnswerCheck(sft, tok, checkPairs),
    round1: rewardModelAnswerCheck(models.rm1, tok, checkPairs),
    final: rewardModelAnswerCheck(finalRm, tok, checkPairs),
    dpo_implicit: likelihoodAnswerCheck(models.dpo, tok, checkPairs, sft),
  };

  // how far the reward models' judgement reaches: the round-1 policy's answers to the probe's RL
  // prompts (the probe's own draw again) against its answers to the held-out prompts
  const onRl = evaluatePolicy(models.ppo1, tok, probeSet, probeSampling);
  const judged = (prompts: readonly WorldPrompt[], e: PolicyEvaluation): JudgedAnswers => ({
    prompts,
    answers: e.answers.map((a) => a.text),
    judgements: e.judgements,
  });
  const reachOf = (rm: Transformer) => rmReach(rm, tok, judged(probeSet, onRl), judged(evalSet, ppo1Eval));
  const round1Reach = reachOf(models.rm1);
  const reach = { round1: round1Reach, final: rounds.length > 1 ? reachOf(finalRm) : round1Reach };
  // and the final policy on those RL prompts, beside its held-out figures (round 1's, without a patch)
  const finalOnRl = (
    inputs.finalIsRound1 ? onRl : evaluatePolicy(models.finalPolicy, tok, probeSet, probeSampling)
  ).metrics;

  // every method measured alike on the held-out prompts: √KL from SFT, the final RM's score, gold
  const evalTexts = evalSet.map((p) => p.text);
  const klOf = (policy: Transformer, e: PolicyEvaluation) =>
    sequenceKl(
      policy,
      sft,
      tok,
      evalTexts,
      e.answers.map((a) => a.ids),
      cfg.evalTemperature,
    );
  const heldoutPoint = (e: PolicyEvaluation, kl: number): OveroptPoint => ({
    sqrt_kl: Math.sqrt(Math.max(0, kl)),
    proxy: mean(
      scoreAnswers(
        finalRm,
        tok,
        evalTexts,
        e.answers.map((a) => a.text),
        finalRm.config.contextLength,
      ),
    ),
    gold: e.metrics.gold_mean,
  });
  const kl = klOf(models.finalPolicy, evals.ppo);
  const winRate = goldWinRate(
    evalSet,
    evals.ppo.answers.map((a) => a.text),
    evals.sft.answers.map((a) => a.text),
  );
  const { wins, losses, ties } = winRate;
  const sftPoint = heldoutPoint(evals.sft, 0);
  return {
    stages: Object.fromEntries(Object.entries(evals).map(([k, v]) => [k, v.metrics])) as Record<
      string,
      StageMetrics
    >,
    ppo_on_rl_prompts: finalOnRl,
    ppo_vs_sft: {
      gold_win_rate: winRate.rate ?? 0,
      gold_win_rate_ci95: winRate.ci95 ?? [0, 1],
      gold_win_rate_ceiling: winRate.ceiling ?? 1,
      wins,
      losses,
      ties,
      kl,
    },
    rm: {
      heldout_accuracy: rm1.heldoutAccuracy,
      labeler_agreement: round1.agreement.all,
      labeler_agreement_gold_differ: round1.agreement.goldDiffer,
      heldout_accuracy_gold_differ: rmGoldDiffer,
      rankings: round1.rankings.length,
      pairs: rm1.pairs,
      answer_check: answerCheck,
      reach,
    },
    ppo_curve: finalHistory.map((h) => ({
      iteration: h.iteration,
      rm_score: proxyScore(h),
      gold: h.gold ?? Number.NaN,
      kl: h.kl,
      beta: h.beta,
    })),
    overoptimisation: {
      'ppo (training rollouts)': ppoCurve(finalHistory),
      'ppo (held-out)': [sftPoint, heldoutPoint(evals.ppo, kl)],
      dpo: [sftPoint, heldoutPoint(evals.dpo, klOf(models.dpo, evals.dpo))],
      'best-of-n (held-out)': inputs.bonCurve,
    },
    rounds,
    samples: sampleRows(world.eval, evals, cfg.samplesPerFamily),
  };
}

/** The reward model's mean score of an iteration's rollouts: the demo's PPO always has a reward model. */
const proxyScore = (h: PpoIterationLog): number => h.rm_score ?? Number.NaN;

/**
 * The training rollouts on the √KL chart, as means over windows of `window` iterations: one
 * iteration's 64 rollouts give too noisy a KL and score to draw a line through.
 */
function ppoCurve(history: readonly PpoIterationLog[], window = 10): OveroptPoint[] {
  const points: OveroptPoint[] = [];
  for (let i = 0; i < history.length; i += window) {
    const part = history.slice(i, i + window);
    points.push({
      sqrt_kl: Math.sqrt(Math.max(0, mean(part.map((h) => h.kl)))),
      proxy: mean(part.map(proxyScore)),
      gold: mean(part.map((h) => h.gold ?? Number.NaN)),
    });
  }
  return points;
}

/** The first `perFamily` held-out prompts of each family, with every stage's answer to each. */
function sampleRows(
  prompts: readonly WorldPrompt[],
  evals: Record<string, PolicyEvaluation>,
  perFamily: number,
): SampleRow[] {
  const rows: SampleRow[] = [];
  for (const family of FAMILIES) {
    const idx = prompts.flatMap((p, i) => (p.family === family ? [i] : [])).slice(0, perFamily);
    for (const i of idx) {
      rows.push({
        family,
        prompt: prompts[i].text,
        answers: Object.fromEntries(Object.entries(evals).map(([k, e]) => [k, e.answers[i].text])),
      });
    }
  }
  return rows;
}
