import { describe, expect, it } from 'vitest';
import type { LeftOutValue, MetricSeries, RunMethod, TrainingRun } from './read-run.js';
import { formatValue, renderRunReport, reportMetrics } from './render.js';

/** A run as readTrainingRun returns it: `metrics` maps a name to [step, value] pairs. */
function fakeRun(
  dir: string,
  method: RunMethod,
  steps: number,
  metrics: Record<string, [number, number][]>,
  config: Record<string, unknown> | null,
  leftOut: Record<string, LeftOutValue[]> = {},
): TrainingRun {
  const series = new Map<string, MetricSeries>(
    Object.entries(metrics).map(([k, points]) => [k, { points, leftOut: leftOut[k] ?? [] }]),
  );
  return {
    dir,
    method,
    stepName: method === 'ppo' ? 'iteration' : 'step',
    config,
    finished: Object.keys(leftOut).length === 0,
    plannedSteps: typeof config?.steps === 'number' ? config.steps : null,
    records: steps,
    firstStep: 1,
    lastStep: steps,
    metrics: series,
    events: [],
    start: new Date('2026-11-26T10:00:00Z'),
    end: new Date('2026-11-26T10:01:30Z'),
    notes: [],
  };
}

const curve = (n: number, f: (s: number) => number, every = 1) =>
  Array.from({ length: Math.floor(n / every) }, (_, i): [number, number] => [
    (i + 1) * every,
    f((i + 1) * every),
  ]);

/** Each chart's title, its paths (title text and point count) and its legend entries. */
function charts(html: string) {
  return html
    .split('<svg')
    .slice(1)
    .map((svg) => ({
      title: /font-weight="600">([^<]*)</.exec(svg)![1],
      paths: [...svg.matchAll(/<path d="([^"]*)"[^>]*><title>([^<]*)<\/title>/g)].map((m) => ({
        name: m[2],
        points: m[1].match(/[ML]/g)!.length,
        faint: m[0].includes('stroke-opacity'),
      })),
      legend: [...svg.matchAll(/width="10" height="10"[^>]*\/><text [^>]*>([^<]*)<\/text>/g)].map(
        (m) => m[1],
      ),
      marks: [...svg.matchAll(/class="mark"\/><text [^>]*>([^<]*)</g)].map((m) => m[1]),
    }));
}

const cfgA = { data: 'd.jsonl', out: 'runs/a', steps: 40, lr: 0.001, batchSize: 8 };
const cfgB = { ...cfgA, out: 'runs/b', steps: 30, lr: 0.003 };
const runA = fakeRun(
  'runs/a',
  'sft',
  40,
  {
    lr: curve(40, () => 0.001),
    loss: curve(40, (s) => 5 - s / 10),
    heldout_loss: curve(40, (s) => 6 - s / 10, 10),
  },
  cfgA,
);
const runB = fakeRun(
  'runs/b',
  'sft',
  30,
  { lr: curve(29, () => 0.003), loss: curve(29, (s) => 4 - s / 20), heldout_loss: curve(30, () => 5, 10) },
  cfgB,
  { loss: [{ x: 30, line: 30, value: 'NaN', nonFinite: true }] },
);

describe('run report page', () => {
  it('draws one chart per metric, key metrics first, every run overlaid: faint raw and solid smoothed', () => {
    const html = renderRunReport([runA, runB], { smooth: 4 });
    const c = charts(html);
    expect(c.map((x) => x.title)).toEqual(['loss', 'heldout_loss', 'lr']);
    const loss = c[0];
    expect(loss.legend).toEqual(['a', 'b']);
    // 40 and 29 points each, raw (faint) and smoothed (the same count), per run
    expect(loss.paths).toEqual([
      { name: 'a (every value)', points: 40, faint: true },
      { name: 'a', points: 40, faint: false },
      { name: 'b (every value)', points: 29, faint: true },
      { name: 'b', points: 29, faint: false },
    ]);
    // measured every 10 steps: fewer than two windows of points, drawn as logged
    expect(c[1].paths).toEqual([
      { name: 'a', points: 4, faint: false },
      { name: 'b', points: 3, faint: false },
    ]);
    // b's loss went NaN at its last step: marked on the chart, listed, and in b's status
    expect(loss.marks).toEqual(['NaN · b']);
    expect(c[1].marks).toEqual([]);
    expect(html).toContain('loss: NaN at step 30 (log.jsonl:30)');
    expect(html).toContain('stopped at step 30 of 30: loss NaN (no checkpoint)');
    expect(html).not.toMatch(/<script|<link|https?:\/\/(?!www\.w3\.org)/);
  });

  it('lists exactly the settings that differ, or every setting of one run', () => {
    const settings = (html: string) =>
      [...html.split('class="settings"')[1].matchAll(/<tr><td>([^<]*)<\/td>/g)].map((m) => m[1]);
    expect(settings(renderRunReport([runA, runB]))).toEqual(['lr', 'steps']);
    expect(settings(renderRunReport([runA]))).toEqual(['batchSize', 'data', 'lr', 'steps']);
  });

  it('gives each metric its final and best value per run', () => {
    const html = renderRunReport([runA, runB]);
    const row = (metric: string) => html.split(`<tr><td>${metric}</td>`)[1].split('</tr>')[0];
    // a: the last loss 1 at step 40, the best is the same; b: NaN at step 30, best 2.55 at step 29
    expect(row('loss')).toContain('1 <small>@ 40</small>');
    expect(row('loss')).toContain('<span class="bad">NaN</span> <small>@ 30</small>');
    expect(row('loss')).toContain('2.55 <small>@ 29</small>');
    expect(row('lr')).toContain('range</small> 0.001 – 0.001');
  });

  it('shows only the metrics asked for, in that order, and names one no run has', () => {
    expect(charts(renderRunReport([runA], { metrics: ['lr', 'loss'] })).map((x) => x.title)).toEqual([
      'lr',
      'loss',
    ]);
    expect(reportMetrics([runA, runB])).toEqual(['loss', 'heldout_loss', 'lr']);
    expect(() => reportMetrics([runA], ['loss', 'kl'])).toThrow(/no run logs 'kl' \(their metrics: lr, loss/);
  });

  it("puts PPO's curves in RLHF order and escapes folder names", () => {
    const ppo = fakeRun(
      'runs/<ppo>',
      'ppo',
      3,
      { policy_loss: curve(3, () => 0.1), kl: curve(3, (s) => s), rm_score: curve(3, (s) => s / 3) },
      null,
    );
    const html = renderRunReport([ppo]);
    expect(charts(html).map((x) => x.title)).toEqual(['rm_score', 'kl', 'policy_loss']);
    expect(html).not.toContain('<ppo>');
    expect(html).toContain('&lt;ppo&gt;');
    expect(html).toContain('No train-config.json in these folders.');
  });

  it('formats values with 4 significant digits, exponents for the very small', () => {
    expect(formatValue(0.123456)).toBe('0.1235');
    expect(formatValue(3e-5)).toBe('3.00e-5');
    expect(formatValue(-2)).toBe('-2');
  });
});
