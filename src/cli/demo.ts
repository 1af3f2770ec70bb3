/** `rein demo`: the main job — the whole alignment story on the assistant world, with a report. */
import { join } from 'node:path';
import { MISALIGNMENT_LABELS } from '../data/labels.js';
import { percent } from '../eval/interval.js';
import { formatTargetValue } from '../eval/report/targets.js';
import { runDemo } from '../pipeline/demo.js';
import { DemoConfig } from '../pipeline/demo-config.js';
import { StageSettingsError } from '../pipeline/stage-runner.js';
import { ConfigError, configHelp, resolveConfig, splitConfigArgs } from '../util/config.js';
import { CliError } from './errors.js';

export async function run(argv: string[]): Promise<void> {
  let cfg: DemoConfig;
  try {
    const args = splitConfigArgs(argv);
    if (args.help) {
      console.log(
        `usage: rein demo [--out DIR] [options]\n\nRuns world → base → SFT → rankings → RM → PPO → patch round → evaluation → report.\nA stopped run resumes at its first unfinished stage when started again with the same --out.\n\n${configHelp(DemoConfig)}`,
      );
      return;
    }
    cfg = resolveConfig(DemoConfig, args);
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message);
    throw e;
  }
  let report: Awaited<ReturnType<typeof runDemo>>;
  try {
    report = await runDemo(cfg);
  } catch (e) {
    if (e instanceof StageSettingsError) throw new CliError(`demo: ${e.message}`);
    throw e;
  }
  const names = Object.keys(report.stages);
  const lines = [
    `${'held-out prompts'.padEnd(16)}${names.map((n) => n.padStart(12)).join('')}`,
    ...MISALIGNMENT_LABELS.map(
      (l) => `${l.padEnd(16)}${names.map((n) => percent(report.stages[n].rates[l]).padStart(12)).join('')}`,
    ),
    `${'fact accuracy'.padEnd(16)}${names.map((n) => percent(report.stages[n].fact_accuracy).padStart(12)).join('')}`,
    `${'gold mean'.padEnd(16)}${names.map((n) => report.stages[n].gold_mean.toFixed(3).padStart(12)).join('')}`,
  ];
  console.log(lines.join('\n'));
  console.log(
    `PPO vs SFT: gold win rate ${percent(report.ppo_vs_sft.gold_win_rate)} ` +
      `(${report.ppo_vs_sft.wins} wins, ${report.ppo_vs_sft.losses} losses, ${report.ppo_vs_sft.ties} ties), KL ${report.ppo_vs_sft.kl.toFixed(2)} nats; ` +
      `RM held-out accuracy ${percent(report.rm.heldout_accuracy)} vs labeler agreement ${percent(report.rm.labeler_agreement)} ` +
      `(pairs whose gold differs: ${percent(report.rm.heldout_accuracy_gold_differ)} vs ${percent(report.rm.labeler_agreement_gold_differ)}); ` +
      `right vs wrong answers (facts, sums): SFT's likelihood ${percent(report.rm.answer_check.sft_likelihood.fact)}, ` +
      `${percent(report.rm.answer_check.sft_likelihood.math)}, the final RM ${percent(report.rm.answer_check.final.fact)}, ` +
      `${percent(report.rm.answer_check.final.math)} (50 % is chance); ` +
      `total ${report.timing_s.total.toFixed(0)} s`,
  );
  const unmet = report.targets.filter((t) => !t.met);
  console.log(
    `targets: ${report.targets.length - unmet.length} of ${report.targets.length} met` +
      (unmet.length
        ? `; not met: ${unmet.map((t) => `${t.target} (${formatTargetValue(t)}${t.within_noise ? ', within noise' : ''}${t.note ? `; ${t.note}` : ''})`).join('; ')}`
        : ''),
  );
  console.log(`report: ${join(cfg.out, 'report.html')} and ${join(cfg.out, 'report.json')}`);
}
