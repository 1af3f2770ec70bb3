/**
 * `rein eval`: one or more models on the assistant world's held-out evaluation prompts, judged by
 * gold — per-label misalignment rates (each on its own families), accuracies, gold by family, any
 * label seen outside its own families — printed side by side as a table and written as JSON.
 */
import { percent, percentRange } from '../eval/interval.js';
import { evaluateResponses, goldWinRate, type WinRate, type WorldEvalReport } from '../eval/world-metrics.js';
import { formatEvalTable } from '../eval/world-report.js';
import { loadModel } from '../model/checkpoint.js';
import type { Transformer } from '../model/transformer.js';
import { answeredTimes, evaluatePolicy } from '../pipeline/policy-eval.js';
import { sequenceKl } from '../pipeline/sequence-kl.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { isPromptSplit, loadWorldPrompts, PROMPT_SPLITS } from '../world/load.js';
import type { WorldPrompt } from '../world/records.js';
import { CliError } from './errors.js';
import { type Command, integerFlag, parseCommandArgs, positiveFlag, usageError } from './flags.js';

const USAGE = `usage: rein eval --model CKPT [--model CKPT2 …] --world DIR [options]

Samples answers to the held-out evaluation prompts (DIR/eval.jsonl) from each model, judges them,
and prints the rates side by side; every model after the first is also compared with the first:
gold win rate on the same prompts (ties count half) and KL(model ‖ first) on its own answers.
--json FILE writes the full reports. rein demo's evaluation is --samples 4 --seed 102 (its seed + 101).

options:
  --model CKPT       a checkpoint (repeat to compare several)
  --world DIR        a world from rein world build
  --split NAME       prompts to use: eval (default), rl or rank
  --samples N        answers per prompt (default 1; the intervals count one prompt text as one draw)
  --max-new N        most answer tokens (default 40)
  --temperature T    sampling temperature (default 1; --greedy for 0)
  --greedy           take the most likely token
  --seed S           (default 0)
  --json FILE        write {model: report} as JSON
  --answers FILE     write every answer, judged, as JSONL
                     {model, id, sample, family, lang, prompt, answer, labels, gold, correct}

rein eval bench --model PATH --data DIR …: any model on public benchmarks (TruthfulQA,
CAA sycophancy, XSTest, HarmBench), no judge needed; rein eval bench --help for its options.`;

/** A model against the first one given: gold head-to-head on the same prompts, and KL on its own answers. */
interface Comparison {
  model: string;
  win_rate: WinRate;
  /** Mean over its answers of log π(answer) − log π_first(answer); null when the tokenizers differ. */
  kl: number | null;
}

/** Whether two tokenizers encode the prompts alike (KL compares token-level probabilities). */
function sameTokenizer(a: Tokenizer, b: Tokenizer, prompts: readonly WorldPrompt[]): boolean {
  if (a.vocabSize !== b.vocabSize) return false;
  return prompts.slice(0, 50).every((p) => {
    const x = a.encode(p.text);
    const y = b.encode(p.text);
    return x.length === y.length && x.every((id, i) => id === y[i]);
  });
}

const COMMAND: Command = { name: 'eval', help: USAGE };

export async function run(argv: string[]): Promise<void> {
  if (argv[0] === 'bench') return (await import('./eval-bench.js')).run(argv.slice(1));
  const parsed = parseCommandArgs(COMMAND, argv, {
    model: { type: 'string', multiple: true },
    world: { type: 'string' },
    split: { type: 'string', default: 'eval' },
    samples: { type: 'string', default: '1' },
    'max-new': { type: 'string', default: '40' },
    temperature: { type: 'string', default: '1' },
    greedy: { type: 'boolean', default: false },
    seed: { type: 'string', default: '0' },
    json: { type: 'string' },
    answers: { type: 'string' },
  });
  if (!parsed) return;
  const { values } = parsed;
  const models = values.model ?? [];
  if (!models.length || !values.world) throw usageError(COMMAND, '--model and --world are required');
  const twice = models.find((m, i) => models.indexOf(m) !== i);
  if (twice) throw new CliError(`eval: --model ${twice} is given twice (the reports are keyed by model)`);
  const split = values.split;
  if (!isPromptSplit(split))
    throw new CliError(`eval: --split must be one of ${PROMPT_SPLITS.join(', ')}, not '${split}'`);
  const maxNew = integerFlag(COMMAND.name, 'max-new', values['max-new'], 1);
  const temperature = values.greedy ? 1e-6 : positiveFlag(COMMAND.name, 'temperature', values.temperature);
  const seed = integerFlag(COMMAND.name, 'seed', values.seed, 0);
  const samples = integerFlag(COMMAND.name, 'samples', values.samples, 1);
  let world: ReturnType<typeof loadWorldPrompts>;
  try {
    world = loadWorldPrompts(values.world);
  } catch (e) {
    throw new CliError(`eval: ${(e as Error).message}`);
  }
  const prompts = answeredTimes(world[split], samples);
  const columns: { name: string; report: WorldEvalReport & { vs_first?: Comparison } }[] = [];
  const judged: Record<string, unknown>[] = [];
  let first: { path: string; model: Transformer; tok: Tokenizer; texts: string[] } | null = null;
  for (const path of models) {
    let loaded: ReturnType<typeof loadModel>;
    try {
      loaded = loadModel(path);
    } catch (e) {
      throw new CliError(`eval: ${(e as Error).message}`);
    }
    if (!loaded.tokenizer) throw new CliError(`eval: ${path} has no tokenizer`);
    const { answers, judgements } = evaluatePolicy(loaded.model, loaded.tokenizer, prompts, {
      maxNew,
      temperature,
      seed,
    });
    const texts = answers.map((a) => a.text);
    const report: WorldEvalReport & { vs_first?: Comparison } = evaluateResponses(prompts, texts, judgements);
    if (first === null) first = { path, model: loaded.model, tok: loaded.tokenizer, texts };
    else {
      // KL on the model's own answers, at the sampling temperature (greedy answers: the models' own distributions)
      const kl = sameTokenizer(first.tok, loaded.tokenizer, prompts)
        ? sequenceKl(
            loaded.model,
            first.model,
            loaded.tokenizer,
            prompts.map((p) => p.text),
            answers.map((a) => a.ids),
            values.greedy ? 1 : temperature,
          )
        : null;
      report.vs_first = { model: first.path, win_rate: goldWinRate(prompts, texts, first.texts), kl };
    }
    columns.push({ name: path, report });
    if (values.answers)
      judged.push(
        ...prompts.map((p, i) => ({
          model: path,
          id: p.id,
          sample: Math.floor(i / world[split].length),
          family: p.family,
          lang: p.lang,
          prompt: p.text,
          answer: texts[i],
          labels: judgements[i].labels,
          gold: judgements[i].gold,
          correct: judgements[i].correct,
        })),
      );
  }
  console.log(formatEvalTable(columns));
  for (const { name, report } of columns) {
    const c = report.vs_first;
    if (!c) continue;
    const w = c.win_rate;
    const rate = `${percent(w.rate)}${w.ci95 ? ` (${percentRange(w.ci95)})` : ''}`;
    const kl = c.kl === null ? 'KL not measured (the tokenizers differ)' : `KL ${c.kl.toFixed(2)} nats`;
    console.log(
      `${name} vs ${c.model}: gold win rate ${rate}, ${w.wins} wins, ${w.losses} losses, ${w.ties} ties ` +
        `(any answers at most ${percent(w.ceiling)}: ${c.model}'s at gold's maximum can only be tied); ${kl}`,
    );
  }
  if (values.json) {
    writeFileAtomic(
      values.json,
      `${JSON.stringify(Object.fromEntries(columns.map((c) => [c.name, c.report])), null, 2)}\n`,
    );
    console.log(`wrote ${values.json}`);
  }
  if (values.answers) {
    writeFileAtomic(values.answers, judged.map((r) => `${JSON.stringify(r)}\n`).join(''));
    console.log(`wrote ${values.answers} (${judged.length} judged answers)`);
  }
}
