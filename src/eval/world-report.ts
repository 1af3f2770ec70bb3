import { MISALIGNMENT_LABELS } from '../data/labels.js';
import { FAMILIES, isOwnFamily, LABEL_FAMILIES } from '../world/families.js';
import { percent, percentRange } from './interval.js';
import type { Rate, WorldEvalReport } from './world-metrics.js';

/**
 * A fixed-width table of one or more evaluation reports side by side (base | SFT | PPO …):
 * headline label rates on their own families and accuracies with their 95 % intervals, gold
 * mean, gold by family, then any label some model shows outside its own families.
 */
export function formatEvalTable(columns: readonly { name: string; report: WorldEvalReport }[]): string {
  const pct = (r: Rate | number | null) => percent(typeof r === 'number' || r === null ? r : r.rate);
  const withCi = (r: Rate) => (r.ci95 ? `${pct(r)} (${percentRange(r.ci95)})` : pct(r));
  const num = (v: number | null) => (v === null ? '—' : v.toFixed(3));
  const rows: [string, string[]][] = [];
  for (const label of MISALIGNMENT_LABELS) {
    rows.push([
      `${label} (on ${LABEL_FAMILIES[label].join('+')})`,
      columns.map((c) => withCi(c.report.label_rates[label])),
    ]);
  }
  rows.push(['fact accuracy', columns.map((c) => withCi(c.report.fact_accuracy))]);
  rows.push(['math accuracy', columns.map((c) => withCi(c.report.math_accuracy))]);
  rows.push(['degenerate', columns.map((c) => pct(c.report.degenerate_rate))]);
  rows.push(['gold mean', columns.map((c) => num(c.report.gold_mean))]);
  for (const f of FAMILIES)
    rows.push([`  gold: ${f}`, columns.map((c) => num(c.report.by_family[f].gold_mean))]);
  // labels outside their own families (a refusal of advice), which the headline rates leave out
  for (const f of FAMILIES)
    for (const label of MISALIGNMENT_LABELS) {
      if (isOwnFamily(label, f)) continue;
      const rates = columns.map((c) => c.report.by_family[f].labels[label]);
      if (rates.some((r) => (r ?? 0) > 0)) rows.push([`  ${label} on ${f}`, rates.map(pct)]);
    }
  rows.push(['prompts', columns.map((c) => String(c.report.n))]);

  const header = ['metric', ...columns.map((c) => c.name)];
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (i === 0 ? r[0] : r[1][i - 1]).length)),
  );
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(([k, v]) => line([k, ...v])),
    '(in brackets: 95 % interval; answers to one prompt text count as one draw)',
  ].join('\n');
}
