/**
 * `rein report RUN_DIR [RUN_DIR …]`: the curves of any training runs (rein sft, rm train, rm patch,
 * ppo, grpo, rloo, online-dpo, dpo, kto, pretrain — and the demo's stage folders), side by side in one
 * self-contained HTML page.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DataFileError } from '../data/jsonl.js';
import { RunReportError, readTrainingRun, runLabels, type TrainingRun } from '../eval/run-report/read-run.js';
import { renderRunReport, reportMetrics } from '../eval/run-report/render.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { CliError } from './errors.js';
import { type Command, integerFlag, parseCommandArgs, usageError } from './flags.js';

const HELP = `usage: rein report RUN_DIR [RUN_DIR …] [--out FILE.html] [--smooth N] [--metrics a,b,…]

Writes one HTML page (inline SVG and CSS: it opens offline) with the curves of training runs: each
RUN_DIR is a training command's --out folder (rein sft, rm train, rm patch, ppo, grpo, rloo,
online-dpo, dpo, kto, pretrain; the demo's stage folders too), read from its log.jsonl and
train-config.json. The page has each run's method, steps, status and times; each metric's final and
best value per run; one chart per metric with every run overlaid (PPO's rm_score, gold, kl and beta
first; GRPO's reward_std, RLOO's kl_penalised_reward and online DPO's margin in beta's place; a
reward model's accuracy; the losses of SFT, DPO and KTO); and the settings that differ between the
runs (all of them for one run). Values that are not finite numbers are left out of the charts and
listed, and a red line marks where a run's first one is.

  --out FILE.html    where to write the page (default with one run: RUN_DIR/report.html;
                     required with several)
  --smooth N         a trailing moving average over N points, drawn solid over the faint raw values
                     (default: a twentieth of the longest curve, at most 50, none below 60 points;
                     1: no smoothing)
  --metrics a,b,…    only these metrics, in this order (default: all of them)`;

function readRun(dir: string): TrainingRun {
  try {
    return readTrainingRun(dir);
  } catch (e) {
    if (e instanceof RunReportError || e instanceof DataFileError) throw new CliError(`report: ${e.message}`);
    throw e;
  }
}

const COMMAND: Command = { name: 'report', help: HELP };

export async function run(argv: string[]): Promise<void> {
  const parsed = parseCommandArgs(
    COMMAND,
    argv,
    { out: { type: 'string' }, smooth: { type: 'string' }, metrics: { type: 'string' } },
    true,
  );
  if (!parsed) return;
  const { values, positionals: dirs } = parsed;
  if (dirs.length === 0) throw usageError(COMMAND, 'give at least one run folder');
  if (dirs.length > 1 && values.out === undefined)
    throw new CliError('report: with several runs, --out FILE.html is required (where the page goes)');
  const out = values.out ?? join(dirs[0], 'report.html');
  if (existsSync(out) && statSync(out).isDirectory())
    throw new CliError(`report: --out ${out} is a folder; give the page's file name`);
  const smooth =
    values.smooth === undefined ? undefined : integerFlag(COMMAND.name, 'smooth', values.smooth, 1);
  const only =
    values.metrics === undefined
      ? undefined
      : values.metrics
          .split(',')
          .map((m) => m.trim())
          .filter((m) => m !== '');
  if (only?.length === 0) throw new CliError('report: --metrics names no metric');

  const runs = dirs.map(readRun);
  let metrics: string[];
  try {
    metrics = reportMetrics(runs, only);
  } catch (e) {
    if (e instanceof RunReportError) throw new CliError(`report: --metrics: ${e.message}`);
    throw e;
  }
  writeFileAtomic(out, renderRunReport(runs, { smooth, metrics }));

  const labels = runLabels(dirs);
  runs.forEach((r, i) => {
    for (const [name, s] of r.metrics) {
      const first = s.leftOut[0];
      if (first && metrics.includes(name))
        console.error(
          `report: ${labels[i]}: ${name} is ${first.value} at ${r.stepName} ${first.x}${s.leftOut.length > 1 ? ` (${s.leftOut.length} values not drawn)` : ''}`,
        );
    }
    for (const note of r.notes) console.error(`report: ${labels[i]}: ${note}`);
  });
  const what = runs.map((r, i) => `${labels[i]} (${r.method}, ${r.records} ${r.stepName}s)`).join(', ');
  console.log(`report: ${what}; ${metrics.length} charts → ${out}`);
}
