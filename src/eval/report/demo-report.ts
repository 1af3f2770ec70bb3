/**
 * The demo's report: the JSON shape (`report.json`) and its self-contained HTML rendering
 * (`report.html`: inline CSS and SVG, no scripts, opens offline).
 */
import { MISALIGNMENT_LABELS, type MisalignmentLabel } from '../../data/labels.js';
import { isOwnFamily } from '../../world/families.js';
import { type Interval, percent, percentRange } from '../interval.js';
import { type RmReach, rmReachSection } from './rm-reach.js';
import { REPORT_CSS } from './style.js';
import { barChart, escapeXml, lineChart } from './svg-chart.js';
import { formatTargetValue, type TargetCheck } from './targets.js';

/**
 * What the gold judge measured for one model on the held-out evaluation prompts. Each `*_ci95`
 * is the figure's 95 % interval, with the answers to one prompt text counted as one draw
 * (eval/interval.ts): the evaluation asks each prompt several times.
 */
export interface StageMetrics {
  /** Each label's rate on its own family (harmful on harmful prompts, …), in [0, 1]. */
  rates: Record<MisalignmentLabel, number>;
  rates_ci95: Record<MisalignmentLabel, Interval>;
  fact_accuracy: number;
  fact_accuracy_ci95: Interval;
  gold_mean: number;
  gold_mean_ci95: Interval;
  /** Answers judged: the held-out prompts times the demo's evalSamples. */
  n: number;
  /**
   * Every label on every family (`rates` shows each label on its own families only): a refusal of
   * advice, a wrong sum told to a rude user and an insult to a harmless request show here.
   */
  by_family: Record<string, FamilyMetrics>;
}

/** One prompt family's answers: how many, their gold mean, and each label's share of them. */
export interface FamilyMetrics {
  n: number;
  gold_mean: number;
  labels: Record<MisalignmentLabel, number>;
}

/** One PPO iteration's logged metrics (the ones the report plots). */
export interface PpoPoint {
  iteration: number;
  rm_score: number;
  gold: number;
  kl: number;
  beta: number;
}

/** Proxy (reward-model) and gold reward at one distance √KL from the SFT model. */
export interface OveroptPoint {
  sqrt_kl: number;
  proxy: number;
  gold: number;
}

export interface SampleRow {
  family: string;
  prompt: string;
  /** Stage name → that model's answer. */
  answers: Record<string, string>;
}

export interface RoundSummary {
  name: string;
  /** Label the round's labelers did not see (the problem testing found later), if any. */
  blind_spot: string | null;
  /** Labels the round's labelers were asked to look hard at. */
  focus: string[];
  rankings: number;
  rm_heldout_accuracy: number;
  /** Accuracy of the patched RM on the earlier round's held-out rankings (replay keeps it). */
  rm_old_heldout_accuracy?: number;
  /** The policy's metrics after PPO against this round's reward model. */
  policy: StageMetrics;
}

/** Share of right-vs-wrong answer pairs whose right answer comes out ahead, per family (0.5: chance). */
export interface AnswerCheck {
  fact: number;
  math: number;
}

export interface DemoReport {
  rein_version: string;
  created_at: string;
  config: unknown;
  /** Where the base model came from: the user's checkpoint, the one shipped with rein, or pretrained in this run. */
  base: { source: 'given' | 'shipped' | 'pretrained'; dir: string };
  /** Stage name (base, sft, ppo, and any other policy compared) → metrics. */
  stages: Record<string, StageMetrics>;
  /**
   * PPO's and SFT's answers to the same held-out prompts, judged by gold: the win rate counts a tie
   * (both answers equally good, e.g. both right) as half a win; the counts show how many there were.
   */
  ppo_vs_sft: {
    gold_win_rate: number;
    gold_win_rate_ci95: Interval;
    /** The most any policy could win against these SFT answers: those at gold's maximum only tie. */
    gold_win_rate_ceiling: number;
    wins: number;
    losses: number;
    ties: number;
    kl: number;
  };
  rm: {
    /** Round 1's RM on its held-out rankings, all pairs (what labelers' all-pairs agreement compares to). */
    heldout_accuracy: number;
    /** Two labelers ordering a pair alike, over all pairs of candidates with different texts. */
    labeler_agreement: number;
    /** The same two figures over the pairs whose gold differs (InstructGPT's ~73 % is of this kind). */
    heldout_accuracy_gold_differ: number;
    labeler_agreement_gold_differ: number;
    rankings: number;
    pairs: number;
    /**
     * Right vs wrong answers to the held-out fact and math prompts, the same sentence with another
     * value: how often SFT's own likelihood, round 1's reward model, the final one and DPO's implicit
     * reward (log π_DPO/π_SFT) put the right one ahead (0.5: chance).
     */
    answer_check: {
      sft_likelihood: AnswerCheck;
      round1: AnswerCheck;
      final: AnswerCheck;
      dpo_implicit: AnswerCheck;
    };
    /** Round 1's and the final reward model on the round-1 policy's answers (absent in older reports). */
    reach?: { round1: RmReach; final: RmReach };
  };
  /**
   * The final policy on the probe's RL prompts — entities and tasks PPO trained on — judged as the
   * held-out stages are, beside its held-out figures: what it learned, where it learned it (absent
   * in older reports).
   */
  ppo_on_rl_prompts?: StageMetrics;
  ppo_curve: PpoPoint[];
  /** Method (ppo, dpo, best-of-n) → proxy/gold against √KL. */
  overoptimisation: Record<string, OveroptPoint[]>;
  rounds: RoundSummary[];
  samples: SampleRow[];
  timing_s: Record<string, number> & { total: number };
  /** What the default run must show, target by target, met or not (targets.ts). */
  targets: TargetCheck[];
}

/** "12.5 %" with its interval in small type: "12.5 % (8.1–18.9)". */
const pctCi = (x: number, ci: Interval) => `${percent(x)} <small>(${percentRange(ci)})</small>`;

function stageTable(report: DemoReport): string {
  const names = Object.keys(report.stages);
  const head = `<tr><th>metric</th>${names.map((n) => `<th>${escapeXml(n)}</th>`).join('')}</tr>`;
  const row = (label: string, f: (m: StageMetrics) => string) =>
    `<tr><td>${escapeXml(label)}</td>${names.map((n) => `<td>${f(report.stages[n])}</td>`).join('')}</tr>`;
  const rows = [
    ...MISALIGNMENT_LABELS.map((l) => row(l, (m) => pctCi(m.rates[l], m.rates_ci95[l]))),
    row('fact accuracy', (m) => pctCi(m.fact_accuracy, m.fact_accuracy_ci95)),
    row(
      'gold mean',
      (m) =>
        `${m.gold_mean.toFixed(3)} <small>(${m.gold_mean_ci95[0].toFixed(3)}–${m.gold_mean_ci95[1].toFixed(3)})</small>`,
    ),
    row('answers judged', (m) => String(m.n)),
  ];
  return `<table>${head}${rows.join('')}</table>`;
}

/**
 * Family by family, the gold mean and every label some stage shows on it, with the family's own
 * label (the headline rate's) first.
 */
function familyTable(report: DemoReport): string {
  const names = Object.keys(report.stages);
  const families = Object.keys(report.stages[names[0]]?.by_family ?? {});
  const head = `<tr><th>family</th><th>measure</th>${names.map((n) => `<th>${escapeXml(n)}</th>`).join('')}</tr>`;
  const rows: string[] = [];
  for (const family of families) {
    const at = (n: string) => report.stages[n].by_family[family];
    const row = (measure: string, f: (m: FamilyMetrics) => string) =>
      `<tr><td>${escapeXml(family)}</td><td>${escapeXml(measure)}</td>${names
        .map((n) => `<td>${at(n) ? f(at(n)) : '—'}</td>`)
        .join('')}</tr>`;
    rows.push(row('gold mean', (m) => m.gold_mean.toFixed(3)));
    const own = MISALIGNMENT_LABELS.filter((l) => isOwnFamily(l, family));
    const seen = MISALIGNMENT_LABELS.filter(
      (l) => !own.includes(l) && names.some((n) => (at(n)?.labels[l] ?? 0) > 0),
    );
    for (const l of [...own, ...seen]) rows.push(row(l, (m) => percent(m.labels[l])));
  }
  return `<table>${head}${rows.join('')}</table>`;
}

/** The final policy on prompts it trained on against the held-out ones, label by label. */
function trainedVsHeldout(report: DemoReport): string {
  const rl = report.ppo_on_rl_prompts;
  const heldout = report.stages.ppo;
  if (!rl || !heldout) return '';
  const row = (label: string, f: (m: StageMetrics) => string) =>
    `<tr><td>${escapeXml(label)}</td><td>${f(rl)}</td><td>${f(heldout)}</td></tr>`;
  const rows = [
    ...MISALIGNMENT_LABELS.map((l) => row(l, (m) => pctCi(m.rates[l], m.rates_ci95[l]))),
    row('fact accuracy', (m) => pctCi(m.fact_accuracy, m.fact_accuracy_ci95)),
    row('answers judged', (m) => String(m.n)),
  ];
  return `<h2>Where PPO trained, and beyond</h2>
<p>The final policy on RL prompts (entities and tasks its rollouts were about) and on the held-out prompts the
targets are measured on. Where a rate is low on the first and high on the second, the policy learned the behaviour
for what it was shown and did not carry it further.</p>
<table><tr><th>metric</th><th>RL prompts</th><th>held-out prompts</th></tr>${rows.join('')}</table>`;
}

function targetsTable(targets: readonly TargetCheck[]): string {
  const rows = targets
    .map((t) => {
      const ci = t.ci95 ? `${percentRange(t.ci95)} %` : '—';
      const verdict = `${t.met ? 'met' : 'not met'}${t.within_noise ? ' (within noise)' : ''}`;
      const note = t.note ? `<br><small>${escapeXml(t.note)}</small>` : '';
      return `<tr class="${t.met ? 'met' : 'unmet'}"><td>${escapeXml(t.target)}${note}</td><td>${formatTargetValue(t)}</td><td>${ci}</td><td>${verdict}</td></tr>`;
    })
    .join('');
  const met = targets.filter((t) => t.met).length;
  return `<p>${met} of ${targets.length} met. "Within noise": the 95 % interval reaches across the threshold, so
one run cannot tell, and another may land on the other side.</p>
<table class="targets"><tr><th>target</th><th>measured</th><th>95 % interval</th><th></th></tr>${rows}</table>`;
}

function samplesTable(samples: SampleRow[]): string {
  if (samples.length === 0) return '<p>No samples.</p>';
  const stages = Object.keys(samples[0].answers);
  const head = `<tr><th>family</th><th>prompt</th>${stages.map((s) => `<th>${escapeXml(s)}</th>`).join('')}</tr>`;
  const rows = samples.map(
    (s) =>
      `<tr><td>${escapeXml(s.family)}</td><td>${escapeXml(s.prompt)}</td>${stages
        .map((st) => `<td class="answer">${escapeXml(s.answers[st] ?? '')}</td>`)
        .join('')}</tr>`,
  );
  return `<table class="samples">${head}${rows.join('')}</table>`;
}

function roundsSection(report: DemoReport): string {
  if (report.rounds.length === 0) return '';
  const chart = barChart({
    title: 'Misalignment after PPO, per feedback round',
    yLabel: 'rate on its family',
    categories: [...MISALIGNMENT_LABELS],
    series: report.rounds.map((r) => ({
      name: r.name,
      values: MISALIGNMENT_LABELS.map((l) => r.policy.rates[l]),
      intervals: MISALIGNMENT_LABELS.map((l) => r.policy.rates_ci95[l]),
    })),
    reference: { value: 0.05, label: '5 % target' },
  });
  const rows = report.rounds
    .map(
      (r) =>
        `<tr><td>${escapeXml(r.name)}</td><td>${escapeXml(r.blind_spot ?? '—')}</td><td>${escapeXml(r.focus.join(', ') || '—')}</td><td>${r.rankings}</td><td>${percent(r.rm_heldout_accuracy)}</td><td>${percent(r.rm_old_heldout_accuracy ?? null)}</td></tr>`,
    )
    .join('');
  return `<h2>Closing the loop: feedback rounds</h2>
<p>Round 1's labelers miss one problem (their blind spot); testing the aligned policy finds it, a focused
round of rankings patches the reward model (with a replay of the old rankings), and PPO runs again.</p>
${chart}
<table><tr><th>round</th><th>blind spot</th><th>focus</th><th>rankings</th><th>RM held-out acc. (this round)</th><th>RM acc. on earlier rounds</th></tr>${rows}</table>`;
}

export function renderReportHtml(report: DemoReport): string {
  const stageNames = Object.keys(report.stages);
  const rates = barChart({
    title: 'Misalignment rate on held-out prompts, by stage',
    yLabel: 'rate on its family',
    categories: [...MISALIGNMENT_LABELS],
    series: stageNames.map((n) => ({
      name: n,
      values: MISALIGNMENT_LABELS.map((l) => report.stages[n].rates[l]),
      intervals: MISALIGNMENT_LABELS.map((l) => report.stages[n].rates_ci95[l]),
    })),
    reference: { value: 0.05, label: '5 % target' },
  });
  const curve = report.ppo_curve;
  const rewardCurve = lineChart({
    title: 'PPO: reward-model score and gold score',
    xLabel: 'PPO iteration',
    yLabel: 'score',
    series: [
      { name: 'RM score (proxy)', points: curve.map((p) => [p.iteration, p.rm_score]) },
      { name: 'gold', points: curve.map((p) => [p.iteration, p.gold]) },
    ],
  });
  const klCurve = lineChart({
    title: 'PPO: KL(policy ‖ SFT) and β',
    xLabel: 'PPO iteration',
    yLabel: 'nats / coefficient',
    series: [
      { name: 'KL', points: curve.map((p) => [p.iteration, p.kl]) },
      { name: 'β ×100', points: curve.map((p) => [p.iteration, p.beta * 100]), dashed: true },
    ],
  });
  const over = lineChart({
    title: 'Over-optimisation: proxy and gold reward against √KL',
    xLabel: '√KL(policy ‖ SFT)',
    yLabel: 'reward',
    series: Object.entries(report.overoptimisation).flatMap(([method, pts]) => [
      {
        name: `${method} proxy`,
        points: pts.map((p) => [p.sqrt_kl, p.proxy] as [number, number]),
        dashed: true,
      },
      { name: `${method} gold`, points: pts.map((p) => [p.sqrt_kl, p.gold] as [number, number]) },
    ]),
  });
  const rm = barChart({
    title: 'Reward model vs people: pairwise accuracy',
    yLabel: 'agreement on held-out pairs',
    categories: ['all pairs', 'pairs whose gold differs'],
    series: [
      {
        name: 'labeler–labeler agreement',
        values: [report.rm.labeler_agreement, report.rm.labeler_agreement_gold_differ],
      },
      {
        name: 'RM held-out accuracy',
        values: [report.rm.heldout_accuracy, report.rm.heldout_accuracy_gold_differ],
      },
    ],
  });
  const timing = Object.entries(report.timing_s)
    .map(([k, v]) => `<tr><td>${escapeXml(k)}</td><td>${v.toFixed(1)} s</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rein demo report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
${REPORT_CSS}
.samples td.answer{max-width:260px;white-space:pre-wrap;overflow-wrap:anywhere}
.kpi{display:inline-block;margin:0 1.5em .5em 0}.kpi b{font-size:1.4em;display:block}
.targets tr.met td:last-child{color:#1a7f37}.targets tr.unmet td:last-child{color:#c00}
</style></head><body>
<h1>rein demo report</h1>
<p class="sub">The assistant world: base → SFT → reward model from rankings → PPO. ${escapeXml(report.created_at)} · rein ${escapeXml(report.rein_version)} · base model: ${escapeXml(report.base.source)}</p>
<div>
<span class="kpi"><b>${pctCi(report.ppo_vs_sft.gold_win_rate, report.ppo_vs_sft.gold_win_rate_ci95)}</b>PPO wins vs SFT (gold; ${report.ppo_vs_sft.wins} wins, ${report.ppo_vs_sft.losses} losses, ${report.ppo_vs_sft.ties} ties as ½; any policy at most ${percent(report.ppo_vs_sft.gold_win_rate_ceiling)})</span>
<span class="kpi"><b>${report.ppo_vs_sft.kl.toFixed(2)}</b>KL(PPO ‖ SFT), nats</span>
<span class="kpi"><b>${percent(report.rm.heldout_accuracy)}</b>RM held-out accuracy</span>
<span class="kpi"><b>${percent(report.rm.labeler_agreement)}</b>labeler agreement</span>
<span class="kpi"><b>${report.timing_s.total.toFixed(0)} s</b>total time</span>
</div>
<h2>What the run must show</h2>
${targetsTable(report.targets)}
<h2>Misalignment by stage</h2>
<div class="charts">${rates}</div>
${stageTable(report)}
<p>Whiskers and figures in brackets: 95 % intervals. The evaluation asks each held-out prompt several times and a
small family has few distinct prompts, so the answers to one prompt text count as one draw.</p>
<p>Each label on every family: a label outside its own family (a refusal of advice, a wrong sum told to a rude user)
does not count in the rates above.</p>
${familyTable(report)}
${trainedVsHeldout(report)}
<h2>PPO</h2>
<div class="charts">${rewardCurve}${klCurve}</div>
<h2>Over-optimisation</h2>
<p>The reward model is a proxy for what people want. Pushed far from the SFT model, its score keeps rising while
the gold judge's score flattens or falls (Gao et al. 2022).</p>
<div class="charts">${over}${rm}</div>
<p>Does the reward model know the facts? On the held-out fact and math prompts, one answer sentence with the right
and with a wrong value: SFT's own likelihood prefers the right one for ${percent(report.rm.answer_check.sft_likelihood.fact)} of facts and
${percent(report.rm.answer_check.sft_likelihood.math)} of sums; round 1's reward model, made from SFT, scores it higher for
${percent(report.rm.answer_check.round1.fact)} and ${percent(report.rm.answer_check.round1.math)}, the final one for
${percent(report.rm.answer_check.final.fact)} and ${percent(report.rm.answer_check.final.math)} (50 % is chance). Fabrication falls under PPO
only as far as the reward model can check it. DPO's implicit reward, log π<sub>DPO</sub>/π<sub>SFT</sub>, which keeps the
policy's own likelihood, puts the right one ahead for ${percent(report.rm.answer_check.dpo_implicit.fact)} and
${percent(report.rm.answer_check.dpo_implicit.math)}.</p>
${rmReachSection(report.rm.reach)}
${roundsSection(report)}
<h2>Sample answers</h2>
${samplesTable(report.samples)}
<h2>Timing</h2>
<table>${timing}</table>
</body></html>
`;
}
