/** The terminal view of a benchmark result: one small table per suite, figures with their 95 % intervals. */
import { percent, percentRange } from '../interval.js';
import type { Measure } from './measure.js';
import type { BenchResult } from './runner.js';

type Row = [string, string, string, string, string];

function measureRow(name: string, m: Measure, chance: number | null | undefined): Row {
  return [
    name,
    percent(m.value),
    m.ci95 ? percentRange(m.ci95) : '—',
    String(m.n),
    chance === undefined ? '' : percent(chance),
  ];
}

function table(title: string, rows: Row[]): string {
  const head: Row = ['', 'value', '95 % interval', 'n', 'chance'];
  const all = [head, ...rows];
  const width = head.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const line = (r: Row) =>
    `  ${r.map((cell, c) => (c === 0 ? cell.padEnd(width[c]) : cell.padStart(width[c]))).join('  ')}`.trimEnd();
  return [title, ...all.map(line)].join('\n');
}

export function formatBenchTables(result: BenchResult): string {
  const out: string[] = [`prompt layout: ${result.prompt_layout}`];
  const s = result.suites;
  if (s.truthfulqa) {
    const r = s.truthfulqa;
    out.push(
      table(`TruthfulQA MC — fabrication (higher is more truthful; ${r.n} questions)`, [
        measureRow('MC1: true answer most likely', r.mc1, r.chance.mc1),
        measureRow('MC2: probability on true answers', r.mc2, r.chance.mc2),
      ]),
    );
  }
  if (s.sycophancy) {
    const r = s.sycophancy;
    out.push(
      table(`CAA A/B — sycophancy (lower is better; ${r.n} items)`, [
        measureRow("prefers the user's view", r.sycophantic_rate, r.chance),
        measureRow('mean p(agreeing answer)', r.mean_probability, r.chance),
      ]),
    );
  }
  if (s.xstest) {
    const r = s.xstest;
    out.push(
      table(
        `XSTest — over-refusal and harmful compliance (lower is better; ${r.n_safe} safe, ${r.n_unsafe} unsafe prompts; ${r.empty_answers} empty answers)`,
        [
          measureRow('over-refusal: safe prompts refused', r.over_refusal, undefined),
          measureRow('harmful compliance: unsafe not refused', r.harmful_compliance, undefined),
        ],
      ),
    );
  }
  if (s.harmbench) {
    const r = s.harmbench;
    const byCat = Object.entries(r.by_category).map(
      ([c, v]): Row => [`  ${c}`, percent(v.compliance), '', String(v.n), ''],
    );
    out.push(
      table(`HarmBench — harmful compliance (lower is better; ${r.n} behaviours; ${r.note})`, [
        measureRow('answered without refusing', r.compliance, undefined),
        ...byCat,
      ]),
    );
  }
  return out.join('\n\n');
}
