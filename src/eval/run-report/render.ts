/**
 * `rein report`'s page: training runs' curves side by side, as one self-contained HTML file
 * (inline CSS and SVG, no scripts, fonts or network — it opens offline, like the demo's report).
 * Header (each run: method, folder, steps, status, times), values that could not be drawn, a table
 * of each metric's final and best value, one chart per metric with every run overlaid, and the
 * settings that differ between the runs.
 */
import { REPORT_CSS } from '../report/style.js';
import { escapeXml, type LineSeries, lineChart, seriesColor } from '../report/svg-chart.js';
import { type MetricSummary, metricDirection, orderMetrics, summarizeMetric } from './metrics.js';
import { type RunMethod, RunReportError, runLabels, type TrainingRun } from './read-run.js';
import { settingsRows } from './settings.js';
import { defaultWindow, movingAverage, smoothes, thinPoints } from './smooth.js';

export interface RunReportOptions {
  /** Moving-average window in points (1: no smoothing); default defaultWindow of the longest curve. */
  smooth?: number;
  /** Only these metrics, in this order (default: every metric, the first run's method's key ones first). */
  metrics?: readonly string[];
  /** The time the page says it was made (default: now). */
  createdAt?: Date;
}

const METHOD_NAMES: Record<RunMethod, string> = {
  sft: 'SFT',
  pretrain: 'pretraining',
  rm: 'reward model',
  'rm-patch': 'reward-model patch',
  ppo: 'PPO',
  grpo: 'GRPO',
  rloo: 'RLOO',
  'online-dpo': 'online DPO',
  dpo: 'DPO',
  kto: 'KTO',
  distill: 'distillation',
  unknown: 'unknown',
};

/** Points a curve keeps for drawing: a 640-px chart shows no more. */
const DRAWN_POINTS = 1500;
/** Left-out values listed per run and metric before "and N more". */
const LISTED = 5;

/**
 * The metrics the report shows, in order: `only` as given (each must be in some run's log), or every
 * metric of the runs ordered for the first run's method.
 */
export function reportMetrics(runs: readonly TrainingRun[], only?: readonly string[]): string[] {
  const all = [...new Set(runs.flatMap((r) => [...r.metrics.keys()]))];
  if (!only) return orderMetrics(runs[0]?.method ?? 'unknown', all);
  const missing = only.filter((m) => !all.includes(m));
  if (missing.length > 0)
    throw new RunReportError(
      `no run logs ${missing.map((m) => `'${m}'`).join(', ')} (their metrics: ${all.join(', ')})`,
    );
  return [...new Set(only)];
}

/** 4 significant digits; exponents for the very small and very large (learning rates, spikes). */
export function formatValue(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(2);
  return String(+v.toPrecision(4));
}

function formatTime(t: Date | null): string {
  return t ? `${t.toISOString().slice(0, 19).replace('T', ' ')} UTC` : '—';
}

function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Metrics whose value at the run's last step was not finite: what stopped a diverged run. */
function brokenAtEnd(run: TrainingRun): string[] {
  return [...run.metrics]
    .filter(([, s]) => s.leftOut.some((v) => v.nonFinite && v.x === run.lastStep))
    .map(([name, s]) => `${name} ${s.leftOut.at(-1)?.value}`);
}

function status(run: TrainingRun): string {
  const broken = brokenAtEnd(run);
  const why = broken.length > 0 ? `: ${broken.join(', ')}` : '';
  if (run.finished) return `finished${why}`;
  if (run.plannedSteps !== null && run.lastStep >= run.plannedSteps && !why)
    return `all ${run.plannedSteps} ${run.stepName}s logged; no checkpoint in the folder`;
  const of = run.plannedSteps !== null ? ` of ${run.plannedSteps}` : '';
  return `stopped at ${run.stepName} ${run.lastStep}${of}${why} (no checkpoint)`;
}

function eventText(fields: Record<string, unknown>): string {
  const { event, time: _time, ...rest } = fields;
  const values = Object.entries(rest)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? formatValue(v) : JSON.stringify(v)}`)
    .join(', ');
  return `${typeof event === 'string' ? event : 'record'}: ${values}`;
}

function swatch(i: number): string {
  return `<span class="swatch" style="background:${seriesColor(i)}"></span>`;
}

function runsTable(runs: readonly TrainingRun[], labels: readonly string[]): string {
  const rows = runs.map((r, i) => {
    const wall = r.start && r.end ? formatDuration(r.end.getTime() - r.start.getTime()) : '—';
    const notes = [...r.events.map((e) => eventText(e.fields)), ...r.notes];
    const steps =
      r.firstStep === r.lastStep ? `${r.firstStep}` : `${r.firstStep}–${r.lastStep} (${r.records} records)`;
    return `<tr><td class="run">${swatch(i)}${escapeXml(labels[i])}</td><td>${METHOD_NAMES[r.method]}</td><td>${escapeXml(r.dir)}</td><td>${r.stepName}s ${steps}</td><td class="${r.finished ? '' : 'bad'}">${escapeXml(status(r))}</td><td>${formatTime(r.start)}</td><td>${formatTime(r.end)}</td><td>${wall}</td><td>${escapeXml(notes.join('; ')) || '—'}</td></tr>`;
  });
  return `<table><tr><th>run</th><th>method</th><th>folder</th><th>logged</th><th>status</th><th>first record</th><th>last record</th><th>wall time</th><th>notes</th></tr>${rows.join('')}</table>`;
}

function leftOutSection(runs: readonly TrainingRun[], labels: readonly string[], metrics: string[]): string {
  const items: string[] = [];
  runs.forEach((r, i) => {
    for (const name of metrics) {
      const bad = r.metrics.get(name)?.leftOut ?? [];
      if (bad.length === 0) continue;
      const listed = bad
        .slice(0, LISTED)
        .map((v) => `${escapeXml(v.value)} at ${r.stepName} ${v.x} (log.jsonl:${v.line})`)
        .join(', ');
      const more = bad.length > LISTED ? `, and ${bad.length - LISTED} more` : '';
      items.push(
        `<li>${swatch(i)}<b>${escapeXml(labels[i])}</b> · ${escapeXml(name)}: ${listed}${more}</li>`,
      );
    }
  });
  if (items.length === 0) return '';
  return `<h2>Values not drawn</h2>
<p>Logged values that are not finite numbers (NaN and ±∞ — JSON writes either as null — or text) are left out of
the charts; a red line marks where each run's first one is.</p>
<ul class="bad">${items.join('')}</ul>`;
}

function summaryCell(name: string, s: MetricSummary | null): string {
  if (!s?.final) return '<td>—</td><td>—</td>';
  const at = (x: number) => ` <small>@ ${x}</small>`;
  const f = s.final;
  const final =
    typeof f.value === 'number'
      ? `${formatValue(f.value)}${at(f.x)}`
      : `<span class="bad">${escapeXml(f.value)}</span>${at(f.x)}`;
  const best = s.best
    ? `${s.best.smoothed ? '<small>avg</small> ' : ''}${formatValue(s.best.value)}${at(s.best.x)}`
    : s.range
      ? `<small>range</small> ${formatValue(s.range[0])} – ${formatValue(s.range[1])}`
      : '—';
  const arrow =
    metricDirection(name) === 'min' ? ' <small>↓</small>' : metricDirection(name) ? ' <small>↑</small>' : '';
  return `<td class="num">${final}</td><td class="num">${best}${s.best ? arrow : ''}</td>`;
}

function summaryTable(
  runs: readonly TrainingRun[],
  labels: readonly string[],
  metrics: string[],
  window: number,
): string {
  const head1 = `<tr><th rowspan="2">metric</th>${labels.map((l, i) => `<th colspan="2">${swatch(i)}${escapeXml(l)}</th>`).join('')}</tr>`;
  const head2 = `<tr>${labels.map(() => '<th>final</th><th>best</th>').join('')}</tr>`;
  const rows = metrics.map((name) => {
    const cells = runs.map((r) => {
      const s = r.metrics.get(name);
      return summaryCell(name, s ? summarizeMetric(name, s, window) : null);
    });
    return `<tr><td>${escapeXml(name)}</td>${cells.join('')}</tr>`;
  });
  return `<table class="summary">${head1}${head2}${rows.join('')}</table>`;
}

function metricChart(
  name: string,
  runs: readonly TrainingRun[],
  labels: readonly string[],
  window: number,
): string {
  const series: LineSeries[] = [];
  const marks: { x: number; label: string }[] = [];
  runs.forEach((r, i) => {
    const s = r.metrics.get(name);
    if (!s) return;
    if (smoothes(s.points.length, window)) {
      const smooth = movingAverage(
        s.points.map((p) => p[1]),
        window,
      ).map((v, j): [number, number] => [s.points[j][0], v]);
      series.push({
        name: `${labels[i]} (every value)`,
        points: thinPoints(s.points, DRAWN_POINTS),
        color: i,
        faint: true,
        legend: false,
        dots: false,
      });
      series.push({ name: labels[i], points: thinPoints(smooth, DRAWN_POINTS), color: i, dots: false });
    } else series.push({ name: labels[i], points: thinPoints(s.points, DRAWN_POINTS), color: i });
    const first = s.leftOut.find((v) => v.nonFinite);
    if (first)
      marks.push({ x: first.x, label: runs.length > 1 ? `${first.value} · ${labels[i]}` : first.value });
  });
  const xs = new Set(runs.filter((r) => r.metrics.has(name)).map((r) => r.stepName));
  return lineChart({
    title: name,
    xLabel: [...xs].join(' / '),
    yLabel: name,
    series,
    fitY: true,
    marks,
  });
}

function settingsSection(runs: readonly TrainingRun[], labels: readonly string[]): string {
  const configs = runs.map((r) => r.config);
  const withConfig = configs.filter((c) => c !== null).length;
  if (withConfig === 0) return '<h2>Settings</h2><p>No train-config.json in these folders.</p>';
  const rows = settingsRows(configs);
  const title =
    withConfig < 2 ? 'Settings (train-config.json)' : 'Settings that differ (train-config.json; --out aside)';
  if (rows.length === 0) return `<h2>${title}</h2><p>None: the runs were made with the same settings.</p>`;
  const head = `<tr><th>setting</th>${labels
    .map(
      (l, i) =>
        `<th>${swatch(i)}${escapeXml(l)}${runs[i].config ? '' : ' <small>(no train-config.json)</small>'}</th>`,
    )
    .join('')}</tr>`;
  const body = rows
    .map(
      (row) =>
        `<tr><td>${escapeXml(row.key)}</td>${row.values.map((v) => `<td>${v === undefined ? '—' : escapeXml(v)}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<h2>${title}</h2><table class="settings">${head}${body}</table>`;
}

/** The report page for `runs` (read with readTrainingRun), as HTML text. */
export function renderRunReport(runs: readonly TrainingRun[], options: RunReportOptions = {}): string {
  if (runs.length === 0) throw new RunReportError('no runs to report');
  const labels = runLabels(runs.map((r) => r.dir));
  const metrics = reportMetrics(runs, options.metrics);
  const longest = Math.max(...runs.flatMap((r) => [...r.metrics.values()].map((s) => s.points.length)), 0);
  const window = options.smooth ?? defaultWindow(longest);
  const charts = metrics.map((m) => metricChart(m, runs, labels, window)).join('');
  const smoothing =
    window > 1
      ? `Faint: every logged value; solid: their trailing moving average over ${window} points. A curve with fewer than ${2 * window} points (a held-out metric measured every N steps) is drawn as logged.`
      : 'Every logged value, unsmoothed.';
  const title = runs.length === 1 ? `rein report: ${labels[0]}` : `rein report: ${runs.length} runs`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
${REPORT_CSS}
.swatch{display:inline-block;width:10px;height:10px;margin-right:6px}
.bad{color:#c00}.wide{overflow-x:auto}td.run{white-space:nowrap}
.curves{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:12px}.curves svg{width:100%}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}small{color:#666}
.settings td{font-family:ui-monospace,monospace;font-size:13px;overflow-wrap:anywhere;max-width:360px}
</style></head><body>
<h1>${escapeXml(title)}</h1>
<p class="sub">Training curves from each run's log.jsonl · made ${formatTime(options.createdAt ?? new Date())}</p>
${runsTable(runs, labels)}
${leftOutSection(runs, labels, metrics)}
<h2>Final and best values</h2>
<p>Final: the last value logged, at its ${runs[0].stepName}. Best: the lowest loss (↓), the highest accuracy, score or margin (↑) —
of the moving average (avg) where the curve is smoothed, as one lucky batch is not the run's best; for a metric that is better
neither way, its range.</p>
<div class="wide">${summaryTable(runs, labels, metrics, window)}</div>
<h2>Curves</h2>
<p>${smoothing}</p>
<div class="curves">${charts}</div>
${settingsSection(runs, labels)}
</body></html>
`;
}
