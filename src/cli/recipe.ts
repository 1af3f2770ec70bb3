/**
 * `rein recipe NAME`: whole worked examples on real data, each one command.
 *   hh-rlhf   a reward model on real HH-RLHF preferences vs a bag-of-words baseline
 */

import { HhRecipeConfig } from '../recipes/hh-rlhf-config.js';
import { parseRunArgs, requireOptions, runHelp } from '../train/common/run-args.js';
import { isExpectedFailure } from '../train/common/run-input.js';
import { CliError } from './errors.js';

const RECIPES: Record<string, string> = {
  'hh-rlhf':
    'reward model on real HH-RLHF preference pairs (first 1,500 train, last 300 validate) vs bag-of-words',
};

const USAGE = `usage: rein recipe <name> [options]

recipes:
${Object.entries(RECIPES)
  .map(([n, s]) => `  ${n.padEnd(8)}  ${s}`)
  .join('\n')}

rein recipe <name> --help lists its options.`;

const HH_HELP = runHelp(
  'rein recipe hh-rlhf --data FILE [--out DIR] [options]',
  'Learns a tokenizer and pretrains a small transformer on the training dialogues, trains a reward model\n' +
    'on the first --trainPairs lines (a slice of them picks the checkpoint), and measures it and a\n' +
    'bag-of-words logistic regression on the last --validationPairs lines. The last line printed is\n' +
    '{"accuracy": …, "n": …, "baseline_accuracy": …}; DIR/result.json has the details, DIR/rm the reward model.',
  HhRecipeConfig,
);

export async function run(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    console.log(USAGE);
    return;
  }
  try {
    if (name === 'hh-rlhf') await runHh(rest);
    else throw new CliError(`recipe: unknown recipe '${name}'\n\n${USAGE}`);
  } catch (e) {
    if (e instanceof CliError) throw e;
    if (isExpectedFailure(e)) throw new CliError(`recipe ${name}: ${e.message}`);
    throw e;
  }
}

async function runHh(argv: string[]): Promise<void> {
  const args = parseRunArgs(HhRecipeConfig, argv);
  if (args.help) {
    console.log(HH_HELP);
    return;
  }
  const cfg = args.config;
  requireOptions(cfg, ['data']);
  const { runHhRecipe } = await import('../recipes/hh-rlhf.js');
  const r = runHhRecipe(cfg);
  console.log(
    `reward model: ${(100 * r.accuracy).toFixed(1)} % on the ${r.n} validation pairs ` +
      `(bag-of-words baseline ${(100 * r.baseline_accuracy).toFixed(1)} %); ` +
      `${r.parameters} parameters, ${r.seconds.toFixed(0)} s → ${cfg.out}`,
  );
  console.log(JSON.stringify({ accuracy: r.accuracy, n: r.n, baseline_accuracy: r.baseline_accuracy }));
}
