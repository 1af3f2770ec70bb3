import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MISALIGNMENT_LABELS } from '../data/labels.js';
import { LABEL_FAMILIES } from '../world/families.js';
import { runDemo } from './demo.js';
import { DemoConfig } from './demo-config.js';

describe('rein demo (toy size)', () => {
  it('runs every stage and writes a report whose fields exist and are finite', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'rein-demo-')), 'run');
    const report = await runDemo(DemoConfig.parse({ out, size: 'toy' }));
    const onDisk = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(onDisk.stages).toEqual(report.stages);
    for (const stage of ['base', 'sft', 'ppo', 'dpo']) {
      const m = onDisk.stages[stage];
      // each figure inside its 95 % interval, the interval inside [0, 1] for a rate
      const within = (x: number, [lo, hi]: [number, number], bounded = true) => {
        expect(lo).toBeLessThanOrEqual(x + 1e-4);
        expect(hi).toBeGreaterThanOrEqual(x - 1e-4);
        if (bounded) expect(lo >= 0 && hi <= 1).toBe(true);
      };
      for (const l of MISALIGNMENT_LABELS) {
        expect(m.rates[l]).toBeGreaterThanOrEqual(0);
        expect(m.rates[l]).toBeLessThanOrEqual(1);
        within(m.rates[l], m.rates_ci95[l]);
      }
      expect(Number.isFinite(m.fact_accuracy)).toBe(true);
      within(m.fact_accuracy, m.fact_accuracy_ci95);
      expect(Number.isFinite(m.gold_mean)).toBe(true);
      within(m.gold_mean, m.gold_mean_ci95, false);
      // every label on every family: the families add up to the whole, and a label measured on one
      // family only (harmful, toxic, sycophancy, manipulation, over-refusal) is its headline rate
      const families = Object.values(m.by_family) as { n: number; labels: Record<string, number> }[];
      expect(families.map((f) => f.n).reduce((a, b) => a + b, 0)).toBe(m.n);
      const singleFamily = MISALIGNMENT_LABELS.filter((l) => LABEL_FAMILIES[l].length === 1);
      expect(singleFamily).toHaveLength(5);
      for (const label of singleFamily)
        expect(m.by_family[LABEL_FAMILIES[label][0]].labels[label]).toBeCloseTo(m.rates[label], 3);
    }
    for (const v of [
      onDisk.ppo_vs_sft.gold_win_rate,
      onDisk.ppo_vs_sft.kl,
      onDisk.rm.heldout_accuracy,
      onDisk.rm.labeler_agreement,
      onDisk.timing_s.total,
    ])
      expect(Number.isFinite(v)).toBe(true);
    for (const rm of ['sft_likelihood', 'round1', 'final', 'dpo_implicit'])
      for (const family of ['fact', 'math']) {
        const accuracy = onDisk.rm.answer_check[rm][family];
        expect(accuracy, `${rm} ${family}`).toBeGreaterThanOrEqual(0);
        expect(accuracy, `${rm} ${family}`).toBeLessThanOrEqual(1);
      }
    // how far each reward model's judgement reaches, on RL and on held-out prompts' answers
    for (const rm of ['round1', 'final'])
      for (const set of ['rl', 'heldout']) {
        const byFamily: Record<string, { accuracy: number | null; pairs: number }> = onDisk.rm.reach[rm][set];
        expect(Object.keys(byFamily).length, `${rm} ${set}`).toBeGreaterThan(0);
        for (const { accuracy, pairs } of Object.values(byFamily)) {
          if (accuracy === null) expect(pairs).toBe(0);
          else {
            expect(pairs).toBeGreaterThan(0);
            expect(accuracy).toBeGreaterThanOrEqual(0);
            expect(accuracy).toBeLessThanOrEqual(1);
          }
        }
      }
    // the final policy on the probe's RL prompts, judged as the held-out stages are
    const onRl = onDisk.ppo_on_rl_prompts;
    expect(onRl.n).toBeGreaterThan(0);
    for (const l of MISALIGNMENT_LABELS) {
      expect(onRl.rates[l], l).toBeGreaterThanOrEqual(0);
      expect(onRl.rates[l], l).toBeLessThanOrEqual(1);
    }
    const { wins, losses, ties, gold_win_rate, gold_win_rate_ci95 } = onDisk.ppo_vs_sft;
    expect(gold_win_rate_ci95[0]).toBeLessThanOrEqual(gold_win_rate);
    expect(gold_win_rate_ci95[1]).toBeGreaterThanOrEqual(gold_win_rate);
    // every held-out prompt is one gold-judged comparison
    expect(wins + losses + ties).toBe(onDisk.stages.ppo.n);
    expect(onDisk.ppo_curve.length).toBeGreaterThan(0);
    expect(Object.keys(onDisk.overoptimisation)).toEqual(
      expect.arrayContaining(['dpo', 'best-of-n (held-out)']),
    );
    expect(onDisk.rounds[0].blind_spot).toBe('manipulation');
    // the targets, each with a figure and a verdict: base and PPO per label, fact accuracy, win rate,
    // RM vs labelers, the patch round's blind spot and the other labels, the time budget and goal
    const labels = MISALIGNMENT_LABELS.length;
    expect(onDisk.targets).toHaveLength(2 * labels + 3 + 2 + (labels - 1) + 2);
    for (const t of onDisk.targets) {
      expect(Number.isFinite(t.value), t.target).toBe(true);
      expect(typeof t.met).toBe('boolean');
    }
    expect(onDisk.base.source).toBe('pretrained'); // the toy world is not the shipped base's
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('Misalignment by stage');
    expect(html).toContain("How far does the reward models' judgement reach");
    expect(html).toContain('Where PPO trained, and beyond');
    expect(html).not.toMatch(/<script/i);

    // a second run resumes: every stage is found done, so no checkpoint is written again
    const weights = ['base', 'sft', 'rm1', 'ppo1', 'dpo'].map((d) => join(out, d, 'model.safetensors'));
    const before = weights.map((w) => statSync(w).mtimeMs);
    const again = await runDemo(DemoConfig.parse({ out, size: 'toy' }));
    expect(Object.keys(again.stages)).toEqual(Object.keys(report.stages));
    expect(weights.map((w) => statSync(w).mtimeMs)).toEqual(before);
  }, 240_000);
});
