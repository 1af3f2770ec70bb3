/**
 * `rein rm train` / `rein rm eval`: a reward model from rankings (or pairs, HH-RLHF dialogues,
 * Open Assistant trees), and its pairwise accuracy on a preference file.
 */
import { z } from 'zod';
import { DemoRecord } from '../data/demos.js';
import { readJsonl } from '../data/jsonl.js';
import { percent } from '../eval/interval.js';
import { LoraConfig } from '../train/common/lora.js';
import { PREFERENCE_FORMATS } from '../train/common/preference-data.js';
import { runHelp } from '../train/common/run-args.js';
import { finishRunDir } from '../train/common/run-dir.js';
import { loadCheckpointFor, RunInputError, readInputFile } from '../train/common/run-input.js';
import { RunLog } from '../train/common/run-log.js';
import { splitIndices } from '../train/common/shuffle-batches.js';
import { RewardConfig } from '../train/reward/config.js';
import { patchRewardModel } from '../train/reward/patch.js';
import { pairwiseAccuracy } from '../train/reward/score.js';
import { trainRewardModel } from '../train/reward/train.js';
import { Rng } from '../util/rng.js';
import { CliError } from './errors.js';
import { readPreferences } from './preferences.js';
import { fitMaxLength, loadRewardModel, startRun, trainingCommand } from './training-command.js';

const formatOption = z
  .enum(PREFERENCE_FORMATS)
  .default('auto')
  .describe('format of --data: rankings, pairs, hh (HH-RLHF), oasst (trees); auto: read off the first line');

const TrainSchema = RewardConfig.extend({
  format: formatOption,
  tokenizer: z.string().default('').describe('tokenizer file, when the checkpoint has none (llama2.c .bin)'),
});

const EvalSchema = z.strictObject({
  model: z.string().default('').describe('reward model checkpoint (rein rm train output)'),
  data: z.string().default('').describe('preference file (same formats as rm train)'),
  format: formatOption,
  maxLength: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe("tokens per prompt+answer (0: the RM's training maxLength, else its context)"),
});

// a patch trains the whole RM it continues (LoRA is rm train's)
const PatchSchema = RewardConfig.omit({ data: true, model: true, lora: true }).extend({
  from: z.string().default('').describe('the reward model to patch (rein rm train output)'),
  rankings: z.string().default('').describe('the new, focused feedback (same formats as rm train --data)'),
  old: z
    .string()
    .default('')
    .describe("the RM's earlier training data (default: the file its checkpoint names)"),
  replay: z
    .number()
    .min(0)
    .default(1)
    .describe('old rankings replayed per new ranking (0: none — the RM may forget)'),
  format: formatOption,
  epochs: z.number().positive().default(2).describe('passes over the new feedback plus its replay'),
});

const USAGE = `usage: rein rm train --data FILE --model CKPT --out DIR [options]
       rein rm eval --model DIR --data FILE [options]
       rein rm patch --from RM --rankings NEW.jsonl --out RM2 [options]

rein rm train --help, rein rm eval --help and rein rm patch --help list the options.`;

const TRAIN_HELP = runHelp(
  'rein rm train --data FILE --model CKPT --out DIR [options]',
  'Trains a reward model: CKPT with a fresh scalar head (kept when CKPT already is a reward model),\n' +
    'ranking loss over all pairs of each ranking. FILE: rankings JSONL, pairs {prompt, chosen, rejected}\n' +
    "(strings or TRL's conversational messages; an optional numeric margin asks chosen to lead by it:\n" +
    "−log σ(r_c − r_r − margin), Llama 2's loss, TRL's margin column), HH-RLHF {chosen, rejected}\n" +
    'dialogues or Open Assistant trees (.jsonl or .jsonl.gz), detected from its first line. Prints\n' +
    'and saves held-out pairwise accuracy; --normalizeOn demos.jsonl shifts the head so\n' +
    'demonstrations score mean 0.',
  TrainSchema,
);

const EVAL_HELP = runHelp(
  'rein rm eval --model DIR --data FILE [options]',
  'Pairwise accuracy of a reward model on a preference file: the last line printed is\n{"accuracy": …, "n": <pairs>}.',
  EvalSchema,
);

const PATCH_HELP = runHelp(
  'rein rm patch --from RM --rankings NEW.jsonl --out RM2 [options]',
  'Patches a reward model with new, focused feedback: training continues on the new rankings mixed\n' +
    'with a replay sample of the old ones, and held-out accuracy on the old and on the new feedback is\n' +
    'printed side by side, before and after — a patch that breaks earlier judgement shows at once.\n' +
    'The last line printed is {"old_before","old_after","new_before","new_after"} as JSON.',
  PatchSchema,
);

const SUBCOMMANDS = new Map<string, (argv: string[]) => Promise<void>>([
  [
    'train',
    trainingCommand(
      { name: 'rm train', schema: TrainSchema, help: TRAIN_HELP, required: ['data', 'model'] },
      train,
    ),
  ],
  [
    'eval',
    trainingCommand(
      { name: 'rm eval', schema: EvalSchema, help: EVAL_HELP, required: ['model', 'data'] },
      evaluate,
    ),
  ],
  [
    'patch',
    trainingCommand(
      { name: 'rm patch', schema: PatchSchema, help: PATCH_HELP, required: ['from', 'rankings'] },
      patch,
    ),
  ],
]);

export async function run(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    console.log(USAGE);
    return;
  }
  const command = SUBCOMMANDS.get(sub);
  if (!command) throw new CliError(`rm: unknown subcommand '${sub}' (train, eval or patch)\n\n${USAGE}`);
  await command(rest);
}

function train(cfg: z.infer<typeof TrainSchema>): void {
  const data = readPreferences('rm train', 'data', cfg.data, cfg.format);
  const demos = cfg.normalizeOn
    ? readInputFile('normalizeOn', cfg.normalizeOn, (f) => readJsonl(f, DemoRecord))
    : undefined;
  const { model, tok } = loadCheckpointFor('model', cfg.model, cfg.tokenizer || null);
  fitMaxLength('rm train', cfg, model.config.contextLength);
  let rm = model;
  if (model.hasScalarHead)
    console.error(`rm train: ${cfg.model} already has a scalar head; training continues from it`);
  else rm = model.clone({ scalarHead: 'fresh', rng: new Rng(cfg.seed) });
  const dir = startRun('rm train', cfg);
  const log = new RunLog(dir.logFile);
  const result = trainRewardModel(rm, tok, data, cfg, { log, demosForNormalization: demos });
  const summary = {
    steps: result.steps,
    trainAccuracy: result.trainAccuracy,
    heldoutAccuracy: result.heldoutAccuracy,
    heldoutPairs: result.heldoutPairs,
    normalizationShift: result.normalizationShift,
    lora: result.lora,
  };
  log.write({ event: 'done', heldout_accuracy: result.heldoutAccuracy, heldout_pairs: result.heldoutPairs });
  finishRunDir(
    cfg.out,
    rm,
    tok,
    { method: 'reward-model', from: cfg.model, config: cfg, result: summary },
    result.lora && { lora: result.lora, base: cfg.model },
  );
  console.log(
    `rm train: ${result.steps} steps; held-out pairwise accuracy ${result.heldoutPairs > 0 ? `${result.heldoutAccuracy.toFixed(3)} on ${result.heldoutPairs} pairs` : '— (nothing held out)'}` +
      `, train accuracy ${result.trainAccuracy.toFixed(3)}` +
      (result.normalizationShift !== null
        ? `; demonstrations shifted by ${(-result.normalizationShift).toFixed(3)} to mean 0`
        : '') +
      ` → ${cfg.out}`,
  );
}

function evaluate(cfg: z.infer<typeof EvalSchema>): void {
  const data = readPreferences('rm eval', 'data', cfg.data, cfg.format);
  const { model, tok, meta } = loadRewardModel('model', cfg.model);
  const trained = (meta.config as { maxLength?: unknown } | undefined)?.maxLength;
  const maxLength = Math.min(
    model.config.contextLength,
    cfg.maxLength || (typeof trained === 'number' ? trained : model.config.contextLength),
  );
  const { accuracy, pairs, byMargin } = pairwiseAccuracy(model, tok, data, maxLength);
  const by_margin = byMargin?.map(({ margin, accuracy, pairs }) => ({ margin, accuracy, n: pairs }));
  console.log(JSON.stringify({ accuracy, n: pairs, ...(by_margin ? { by_margin } : {}) }));
}

function patch(cfg: z.infer<typeof PatchSchema>): void {
  const { model: rm, tok, meta } = loadRewardModel('from', cfg.from);
  const earlier = (meta.config ?? {}) as { data?: unknown; heldoutFraction?: unknown; seed?: unknown };
  const oldFile = cfg.old || (typeof earlier.data === 'string' ? earlier.data : '');
  if (!oldFile)
    throw new RunInputError(`--from ${cfg.from}: its checkpoint names no training data; give --old FILE`);
  const fresh = readPreferences('rm patch', 'rankings', cfg.rankings, cfg.format);
  // The old held-out rankings are the ones the RM never trained on: its own split, recomputed.
  const old = readPreferences('rm patch', cfg.old ? 'old' : 'from', oldFile, 'auto');
  const split = splitIndices(
    old.length,
    typeof earlier.heldoutFraction === 'number' ? earlier.heldoutFraction : cfg.heldoutFraction,
    typeof earlier.seed === 'number' ? earlier.seed : cfg.seed,
  );
  const demos = cfg.normalizeOn
    ? readInputFile('normalizeOn', cfg.normalizeOn, (f) => readJsonl(f, DemoRecord))
    : undefined;
  const runCfg = { ...cfg, old: oldFile };
  const dir = startRun('rm patch', runCfg);
  const result = patchRewardModel(
    rm,
    tok,
    fresh,
    split.train.map((i) => old[i]),
    split.heldout.map((i) => old[i]),
    { ...cfg, data: cfg.rankings, model: cfg.from, lora: LoraConfig.parse({}) },
    cfg.replay,
    { log: new RunLog(dir.logFile), demosForNormalization: demos },
  );
  const summary = {
    old_before: result.oldBefore,
    old_after: result.oldAfter,
    new_before: result.newBefore,
    new_after: result.newAfter,
    normalization_shift: result.normalizationShift,
  };
  finishRunDir(cfg.out, rm, tok, {
    method: 'reward-model-patch',
    from: cfg.from,
    config: { ...cfg, data: cfg.rankings },
    result: summary,
  });
  const pct = (x: number) => percent(x).padStart(8);
  const rankings = (n: number) => `${n} ranking${n === 1 ? '' : 's'}`;
  console.log(`held-out pairwise accuracy   before    after`);
  console.log(
    `old feedback (${rankings(split.heldout.length)})`.padEnd(28) +
      pct(result.oldBefore) +
      pct(result.oldAfter),
  );
  console.log(
    `new feedback (${rankings(result.newHeldout.length)})`.padEnd(28) +
      pct(result.newBefore) +
      pct(result.newAfter),
  );
  const centred =
    result.normalizationShift === null
      ? ''
      : `; demonstrations shifted by ${(-result.normalizationShift).toFixed(3)} to mean 0`;
  console.log(`replayed ${result.replayed} old rankings${centred} → ${cfg.out}`);
  console.log(JSON.stringify(summary));
}
