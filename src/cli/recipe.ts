/**
 * `rein recipe NAME`: whole worked examples on real data, each one command.
 *   hh-rlhf   a reward model on real HH-RLHF preferences vs a bag-of-words baseline
 *   stories   RLHF of the real stories260K model toward kinder stories (lexicon gold)
 */

import { HhRecipeConfig } from '../recipes/hh-rlhf-config.js';
import { StoriesRecipeConfig } from '../recipes/stories-config.js';
import { runHelp } from '../train/common/run-args.js';
import { CliError } from './errors.js';
import { trainingCommand } from './training-command.js';

const HH_HELP = runHelp(
  'rein recipe hh-rlhf --data FILE [--out DIR] [options]',
  'Learns a tokenizer and pretrains a small transformer on the training dialogues, trains a reward model\n' +
    'on the first --trainPairs lines (a slice of them picks the checkpoint), and measures it and a\n' +
    'bag-of-words logistic regression on the last --validationPairs lines. The last line printed is\n' +
    '{"accuracy": …, "n": …, "baseline_accuracy": …}; DIR/result.json has the details, DIR/rm the reward model.',
  HhRecipeConfig,
);

const runHh = trainingCommand(
  { name: 'recipe hh-rlhf', schema: HhRecipeConfig, help: HH_HELP, required: ['data'] },
  async (cfg) => {
    const { runHhRecipe } = await import('../recipes/hh-rlhf.js');
    const r = runHhRecipe(cfg);
    console.log(
      `reward model: ${(100 * r.accuracy).toFixed(1)} % on the ${r.n} validation pairs ` +
        `(bag-of-words baseline ${(100 * r.baseline_accuracy).toFixed(1)} %); ` +
        `${r.parameters} parameters, ${r.seconds.toFixed(0)} s → ${cfg.out}`,
    );
    console.log(JSON.stringify({ accuracy: r.accuracy, n: r.n, baseline_accuracy: r.baseline_accuracy }));
  },
);

const STORIES_HELP = runHelp(
  'rein recipe stories --model stories260K.bin --tokenizer tok512.bin [--out DIR] [options]',
  'Samples story openings from the model, has simulated labelers rank K continuations of each by a\n' +
    'lexicon gold (AFINN valence, obscenity) plus noise, trains a reward model on those rankings and\n' +
    'runs PPO against it, KL-held to the base model (no SFT). The last line printed is\n' +
    '{"gold_before": …, "gold_after": …, "kl": …, "rm_gold_accuracy": …}; DIR/samples.md shows stories\n' +
    'before and after, DIR/rankings.jsonl the rankings, DIR/policy and DIR/rm the models.',
  StoriesRecipeConfig,
);

const runStories = trainingCommand(
  { name: 'recipe stories', schema: StoriesRecipeConfig, help: STORIES_HELP, required: ['model'] },
  async (cfg) => {
    const { runStoriesRecipe } = await import('../recipes/stories.js');
    const r = runStoriesRecipe(cfg);
    console.log(
      `gold ${r.gold_before.toFixed(2)} ± ${r.gold_before_se.toFixed(2)} → ${r.gold_after.toFixed(2)} ± ${r.gold_after_se.toFixed(2)} on ${r.eval_continuations} held-out continuations, ` +
        `KL ${r.kl.toFixed(2)} nats, RM agrees with gold on ${(100 * r.rm_gold_accuracy).toFixed(0)} % of pairs; ` +
        `${r.seconds.toFixed(0)} s → ${cfg.out}`,
    );
    console.log(
      JSON.stringify({
        gold_before: r.gold_before,
        gold_after: r.gold_after,
        kl: r.kl,
        rm_gold_accuracy: r.rm_gold_accuracy,
      }),
    );
  },
);

/** Every recipe: what it does (the usage line) and how it runs. */
const RECIPES: Record<string, { summary: string; run: (argv: string[]) => Promise<void> }> = {
  'hh-rlhf': {
    summary:
      'reward model on real HH-RLHF preference pairs (first 1,500 train, last 300 validate) vs bag-of-words',
    run: runHh,
  },
  stories: {
    summary:
      'RLHF of the real stories260K model toward kinder stories: lexicon gold, simulated labelers, RM, PPO',
    run: runStories,
  },
};

const USAGE = `usage: rein recipe <name> [options]

recipes:
${Object.entries(RECIPES)
  .map(([n, r]) => `  ${n.padEnd(8)}  ${r.summary}`)
  .join('\n')}

rein recipe <name> --help lists its options.`;

export async function run(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    console.log(USAGE);
    return;
  }
  const recipe = Object.hasOwn(RECIPES, name) ? RECIPES[name] : undefined;
  if (!recipe) throw new CliError(`recipe: unknown recipe '${name}'\n\n${USAGE}`);
  await recipe.run(rest);
}
