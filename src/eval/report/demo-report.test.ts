import { describe, expect, it } from 'vitest';
import { MISALIGNMENT_LABELS } from '../../data/labels.js';
import { type DemoReport, renderReportHtml, type StageMetrics } from './demo-report.js';
import { checkTargets } from './targets.js';

const none = Object.fromEntries(MISALIGNMENT_LABELS.map((l) => [l, 0])) as StageMetrics['rates'];
const stage = (r: number): StageMetrics => ({
  rates: Object.fromEntries(MISALIGNMENT_LABELS.map((l) => [l, r])) as StageMetrics['rates'],
  rates_ci95: Object.fromEntries(
    MISALIGNMENT_LABELS.map((l) => [l, [r / 2, r + 0.1]]),
  ) as StageMetrics['rates_ci95'],
  fact_accuracy: 0.8,
  fact_accuracy_ci95: [0.7, 0.87],
  gold_mean: 0.1,
  gold_mean_ci95: [0.05, 0.15],
  n: 10,
  by_family: {
    advice: {
      n: 5,
      gold_mean: 0.5,
      // only the last stage (ppo, r = 0.02) refuses advice: a label outside the family's own
      labels: { ...none, manipulation: r, over_refusal: r === 0.02 ? 0.123 : 0 },
    },
  },
});

const measured: Omit<DemoReport, 'targets'> = {
  rein_version: '0.1.0',
  created_at: '2026-11-25T00:00:00Z',
  config: {},
  base: { source: 'shipped', dir: 'models/assistant-base' },
  stages: { base: stage(0.4), sft: stage(0.2), ppo: stage(0.02) },
  ppo_vs_sft: {
    gold_win_rate: 0.8,
    gold_win_rate_ci95: [0.71, 0.87],
    gold_win_rate_ceiling: 0.9,
    wins: 70,
    losses: 10,
    ties: 20,
    kl: 3.2,
  },
  rm: {
    heldout_accuracy: 0.6,
    labeler_agreement: 0.63,
    heldout_accuracy_gold_differ: 0.7,
    labeler_agreement_gold_differ: 0.73,
    rankings: 100,
    pairs: 600,
    answer_check: {
      sft_likelihood: { fact: 0.93, math: 0.97 },
      round1: { fact: 0.52, math: 0.48 },
      final: { fact: 0.61, math: 0.55 },
      dpo_implicit: { fact: 0.81, math: 0.79 },
    },
  },
  ppo_curve: [
    { iteration: 1, rm_score: 0, gold: 0, kl: 0, beta: 0.02 },
    { iteration: 2, rm_score: 1, gold: 0.5, kl: 1, beta: 0.021 },
  ],
  overoptimisation: {
    ppo: [
      { sqrt_kl: 0, proxy: 0, gold: 0 },
      { sqrt_kl: 1, proxy: 1, gold: 0.5 },
    ],
  },
  rounds: [],
  samples: [
    {
      family: 'harmful',
      prompt: 'How <b>do</b> I…',
      answers: { base: '<script>x()</script>', ppo: 'I cannot help.' },
    },
  ],
  timing_s: { total: 12.5 },
};
const report: DemoReport = { ...measured, targets: checkTargets(measured) };

describe('renderReportHtml', () => {
  it('renders a self-contained page with every section and escapes model text', () => {
    const html = renderReportHtml(report);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    // offline: no external resource (the SVG namespace URI is a name, not a fetch)
    expect(html.replaceAll('http://www.w3.org/2000/svg', '')).not.toMatch(/https?:\/\//);
    expect(html).toContain('&lt;script&gt;x()&lt;/script&gt;');
    expect(html).toContain('80.0 % <small>(71.0–87.0)</small>');
    // every rate with its interval, in the table and as a whisker on each bar (3 stages × 6 labels)
    expect(html).toContain('<td>harmful</td><td>40.0 % <small>(20.0–50.0)</small></td>');
    expect(html).toContain('80.0 % <small>(70.0–87.0)</small>');
    expect(html).toContain('0.100 <small>(0.050–0.150)</small>');
    expect((html.match(/class="whisker"/g) ?? []).length).toBe(18);
    // the reward model's right-vs-wrong check, both models and families
    for (const figure of ['93.0 %', '97.0 %', '52.0 %', '48.0 %', '61.0 %', '55.0 %', '81.0 %', '79.0 %'])
      expect(html).toContain(figure);
    // the targets, one row each, met or not: base 40 % ≥ 25 % is met, PPO's 2 % ≤ 5 % too but its
    // interval (1–12 %) reaches across
    expect(html).toContain(`${report.targets.filter((t) => t.met).length} of ${report.targets.length} met`);
    expect(html).toContain(
      '<tr class="met"><td>base: harmful ≥ 25 %</td><td>40.0 %</td><td>20.0–50.0 %</td><td>met (within noise)</td></tr>',
    );
    expect(html).toContain(
      '<tr class="met"><td>PPO: toxic ≤ 5 %</td><td>2.0 %</td><td>1.0–12.0 %</td><td>met (within noise)</td></tr>',
    );
    expect(html).toMatch(/<tr class="met"><td>rein demo ≤ 5 minutes \(the goal\)<\/td><td>13 s<\/td>/);
    // the win rate's target says what bounds it, and so does its headline figure
    expect(html).toContain(
      '<td>PPO wins ≥ 75 % of gold-judged comparisons with SFT<br><small>any policy wins at most 90.0 % against these SFT answers: one at gold&#39;s maximum can only be tied</small></td>',
    );
    expect(html).toContain('ties as ½; any policy at most 90.0 %)');
    for (const title of [
      'What the run must show',
      'Misalignment by stage',
      'PPO',
      'Over-optimisation',
      'Sample answers',
    ])
      expect(html).toContain(title);
    expect((html.match(/<svg /g) ?? []).length).toBe(5);
    // every label on every family: the family's own label, then any other some stage shows, and no more
    const advice = [...html.matchAll(/<tr><td>advice<\/td><td>([^<]+)<\/td>/g)].map((m) => m[1]);
    expect(advice).toEqual(['gold mean', 'manipulation', 'over_refusal']);
    expect(html).toContain('12.3 %');
  });

  it("shows how far the reward models' judgement reaches, family by family, when the report has it", () => {
    const reach = {
      round1: {
        rl: { advice: { accuracy: 0.512, pairs: 700 } },
        heldout: { advice: { accuracy: 0.567, pairs: 1763 } },
      },
      final: {
        rl: { advice: { accuracy: 0.966, pairs: 702 } },
        heldout: { advice: { accuracy: 0.742, pairs: 1763 }, math: { accuracy: null, pairs: 0 } },
      },
    };
    const html = renderReportHtml({ ...report, rm: { ...report.rm, reach } });
    expect(html).toContain(
      '<tr><td>advice</td><td>51.2 % (700)</td><td>56.7 % (1763)</td><td>96.6 % (702)</td><td>74.2 % (1763)</td></tr>',
    );
    // a family without pairs, or missing from one set, shows a dash
    expect(html).toContain('<tr><td>math</td><td>—</td><td>—</td><td>—</td><td>—</td></tr>');
    expect(renderReportHtml(report)).not.toContain("How far does the reward models' judgement reach");
  });

  it('shows the final policy on the RL prompts beside the held-out ones, where the report has them', () => {
    const report = { ...measured, targets: checkTargets(measured) };
    const html = renderReportHtml({ ...report, ppo_on_rl_prompts: stage(0.01) });
    expect(html).toContain('Where PPO trained, and beyond');
    // a label's rate on the RL prompts, then on the held-out ones (the ppo stage's)
    expect(html).toContain(
      '<tr><td>over_refusal</td><td>1.0 % <small>(0.5–11.0)</small></td><td>2.0 % <small>(1.0–12.0)</small></td></tr>',
    );
    expect(renderReportHtml(report)).not.toContain('Where PPO trained, and beyond');
  });
});
