import { describe, expect, it } from 'vitest';
import { MISALIGNMENT_LABELS } from '../data/labels.js';
import { FAMILIES, FAMILY_LABEL, LABEL_FAMILIES } from '../world/families.js';
import { styleSamples } from '../world/generate.js';
import { GOLD_MAX, judge } from '../world/judge.js';
import { evaluateResponses, goldWinRate } from './world-metrics.js';
import { formatEvalTable } from './world-report.js';

const samples = styleSamples({ seed: 'eval-test' }, 20, 2);
const prompts = samples.map((s) => s.prompt);
const aligned = samples.map((s) => s.aligned[0]);
const misaligned = samples.map((s) => s.misaligned[0]);

describe('world evaluation metrics', () => {
  it('an aligned policy: no misalignment, full accuracy, high gold', () => {
    const r = evaluateResponses(prompts, aligned);
    expect(r.n).toBe(160);
    for (const label of MISALIGNMENT_LABELS) expect(r.label_rates[label].rate, label).toBe(0);
    expect(r.fact_accuracy).toMatchObject({ rate: 1, n: 20 });
    expect(r.math_accuracy).toMatchObject({ rate: 1, n: 20 });
    // none of 20 distinct prompts: [0, z²/(20 + z²)]
    expect(r.label_rates.harmful.ci95![0]).toBe(0);
    expect(r.label_rates.harmful.ci95![1]).toBeCloseTo(3.8415 / 23.8415, 3);
    expect(r.gold_mean!).toBeGreaterThan(1.8);
    expect(r.degenerate_rate).toBe(0);
  });

  it('a misaligned policy: every label at 100 % on its own families', () => {
    const r = evaluateResponses(prompts, misaligned);
    for (const label of MISALIGNMENT_LABELS) {
      expect(r.label_rates[label].rate, label).toBe(1);
      expect(r.label_rates[label].n).toBe(20 * LABEL_FAMILIES[label].length);
    }
    expect(r.fact_accuracy.rate).toBe(0);
    for (const f of FAMILIES) expect(r.by_family[f].labels[FAMILY_LABEL[f]], f).toBe(1);
    expect(r.gold_mean!).toBeLessThan(0);
  });

  it('measures a label only on its own families', () => {
    // Refuse everything: right on harmful prompts, over-refusal on benign ones.
    const refusals = prompts.map((p) =>
      p.lang === 'zh' ? '我不能帮你做这件事。' : "I can't help with that.",
    );
    const r = evaluateResponses(prompts, refusals);
    expect(r.label_rates.over_refusal.rate).toBe(1);
    expect(r.label_rates.harmful.rate).toBe(0);
    expect(r.by_family.harmful.labels.over_refusal).toBe(0);
    expect(r.by_family.fact.labels.over_refusal).toBe(1); // visible per family, not in the headline
  });

  it('mixes: half aligned, half misaligned', () => {
    const mixed = prompts.map((_, i) => (i % 2 === 0 ? aligned[i] : misaligned[i]));
    const r = evaluateResponses(prompts, mixed);
    for (const label of MISALIGNMENT_LABELS) {
      const { rate, ci95 } = r.label_rates[label];
      expect(rate, label).toBe(0.5);
      expect(ci95![0], label).toBeLessThan(0.5);
      expect(ci95![1], label).toBeGreaterThan(0.5);
      expect(ci95![1] - ci95![0], label).toBeLessThan(0.5);
    }
    expect(r.gold_mean_ci95![0]).toBeLessThan(r.gold_mean!);
    expect(r.gold_mean_ci95![1]).toBeGreaterThan(r.gold_mean!);
    expect(r.by_lang.en.n + r.by_lang.zh.n).toBe(160);
  });

  it('counts degenerate answers, with low gold and no content labels', () => {
    const r = evaluateResponses(
      prompts,
      prompts.map(() => 'zzzz '.repeat(300)),
    );
    expect(r.degenerate_rate).toBe(1);
    expect(r.gold_mean).toBe(-1.5);
    expect(r.label_rates.fabrication.rate).toBe(0);
  });

  it('compares two policies head to head by gold', () => {
    expect(goldWinRate(prompts, aligned, misaligned)).toMatchObject({
      wins: 160,
      losses: 0,
      ties: 0,
      rate: 1,
    });
    const even = goldWinRate(prompts, aligned, aligned);
    expect(even).toMatchObject({ wins: 0, losses: 0, ties: 160, rate: 0.5 });
    // every comparison a tie: no spread to measure, so each distinct prompt counts once
    expect(even.ci95![0]).toBeLessThan(0.5);
    expect(even.ci95![1]).toBeGreaterThan(0.5);
    expect(() => goldWinRate(prompts, aligned, [])).toThrow(/160 prompts/);
  });

  it("bounds the win rate by B's answers at gold's maximum: those can only be tied", () => {
    // the prompts whose aligned answer is perfect (gold's maximum)
    const idx = prompts.flatMap((p, i) => (judge(p, aligned[i]).gold === GOLD_MAX ? [i] : []));
    expect(idx.length).toBeGreaterThan(40);
    const P = idx.map((i) => prompts[i]);
    const good = idx.map((i) => aligned[i]);
    const bad = idx.map((i) => misaligned[i]);
    // against misaligned answers a perfect policy could win everything; against perfect ones, tie
    expect(goldWinRate(P, good, bad).ceiling).toBe(1);
    expect(goldWinRate(P, bad, good).ceiling).toBe(0.5);
    // half of B's answers perfect: at most (n/2 + n/2 · ½) / n
    const mixed = good.map((a, k) => (k % 2 === 0 ? a : bad[k]));
    const r = goldWinRate(P, good, mixed);
    const half = Math.ceil(idx.length / 2);
    expect(r.ceiling).toBeCloseTo((idx.length - half / 2) / idx.length, 4);
    // what a policy gets against B never exceeds it, and the perfect answers reach it
    expect(r.rate).toBeCloseTo(r.ceiling!, 4);
    expect(goldWinRate(P, bad, mixed).rate).toBeLessThan(r.ceiling!);
  });

  it('prints a side-by-side table and serialises to JSON', () => {
    const a = evaluateResponses(prompts, aligned);
    const b = evaluateResponses(prompts, misaligned);
    const table = formatEvalTable([
      { name: 'base', report: b },
      { name: 'ppo', report: a },
    ]);
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^metric\s+base\s+ppo$/);
    // rates with their intervals: none of 20 distinct prompts → 0.0 % (0.0–16.1); the advice
    // sample asks 18 distinct questions, so its interval is wider
    expect(table).toMatch(/harmful \(on harmful\)\s+100\.0 % \(83\.9–100\.0\)\s+0\.0 % \(0\.0–16\.1\)/);
    expect(table).toMatch(/manipulation \(on advice\)\s+100\.0 % \(82\.4–100\.0\)\s+0\.0 % \(0\.0–17\.6\)/);
    expect(table).toMatch(/fabrication \(on fact\+unknown\+math\)\s+100\.0 % \(94\.0–100\.0\)\s+0\.0 % /);
    expect(table).toMatch(/fact accuracy\s+0\.0 % \(0\.0–16\.1\)\s+100\.0 % /);
    expect(lines.at(-1)).toMatch(/95 % interval/);
    // the world's styles show each label on its own families only: no "label on family" row
    expect(table).not.toMatch(/\n {2}\w+ on \w+/);
    // a refusal of every advice question is an over-refusal the headline (benign_sensitive) leaves out
    const refusing = prompts.map((p, i) =>
      p.family === 'advice' ? "I'm sorry, I can't help with that." : aligned[i],
    );
    const withRefusals = formatEvalTable([
      { name: 'ppo', report: a },
      { name: 'refuser', report: evaluateResponses(prompts, refusing) },
    ]);
    expect(withRefusals).toMatch(/\n {2}over_refusal on advice\s+0\.0 %\s+100\.0 %\n/);
    expect(withRefusals).toMatch(/over_refusal \(on benign_sensitive\)\s+0\.0 % \([^)]*\)\s+0\.0 % /);
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
    expect(() => evaluateResponses(prompts, [])).toThrow(/160 prompts but 0 responses/);
  });
});
