/**
 * `rein eval`: one or more models on the assistant world's held-out evaluation prompts, judged by
 * gold — per-label misalignment rates (each on its own families), accuracies, gold by family, any
 * label seen outside its own families — printed side by side as a table and written as JSON.
 */
import { parseArgs } from 'node:util';
import { evaluateResponses, type WorldEvalReport } from '../eval/world-metrics.js';
import { formatEvalTable } from '../eval/world-report.js';
import { loadModel } from '../model/checkpoint.js';
import { evaluatePolicy } from '../pipeline/policy-eval.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { isPromptSplit, loadWorldPrompts, PROMPT_SPLITS } from '../world/load.js';
import { CliError } from './errors.js';
import { integerFlag, numberFlag } from './flags.js';

const USAGE = `usage: rein eval --model CKPT [--model CKPT2 …] --world DIR [options]

Samples one answer per held-out evaluation prompt (DIR/eval.jsonl) from each model, judges them,
and prints the rates side by side; --json FILE writes the full reports.

options:
  --model CKPT       a checkpoint (repeat to compare several)
  --world DIR        a world from rein world build
  --split NAME       prompts to use: eval (default), rl or rank
  --max-new N        most answer tokens (default 40)
  --temperature T    sampling temperature (default 1; --greedy for 0)
  --greedy           take the most likely token
  --seed S           (default 0)
  --json FILE        write {model: report} as JSON
  --answers FILE     write every answer, judged, as JSONL
                     {model, id, family, lang, prompt, answer, labels, gold, correct}

rein eval bench --model PATH --data DIR …: any model on public benchmarks (TruthfulQA,
CAA sycophancy, XSTest, HarmBench), no judge needed; rein eval bench --help for its options.`;

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        model: { type: 'string', multiple: true },
        world: { type: 'string' },
        split: { type: 'string', default: 'eval' },
        'max-new': { type: 'string', default: '40' },
        temperature: { type: 'string', default: '1' },
        greedy: { type: 'boolean', default: false },
        seed: { type: 'string', default: '0' },
        json: { type: 'string' },
        answers: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (e) {
    throw new CliError(`eval: ${(e as Error).message}\n\n${USAGE}`);
  }
}

export async function run(argv: string[]): Promise<void> {
  if (argv[0] === 'bench') return (await import('./eval-bench.js')).run(argv.slice(1));
  const values = parse(argv);
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!values.model?.length || !values.world)
    throw new CliError(`eval: --model and --world are required\n\n${USAGE}`);
  const split = values.split;
  if (!isPromptSplit(split))
    throw new CliError(`eval: --split must be one of ${PROMPT_SPLITS.join(', ')}, not '${split}'`);
  const maxNew = integerFlag('eval', 'max-new', values['max-new'] as string, 1);
  const temperature = values.greedy
    ? 1e-6
    : numberFlag('eval', 'temperature', values.temperature as string, 0);
  if (!(temperature > 0)) throw new CliError(`eval: --temperature must be > 0, got '${values.temperature}'`);
  const seed = integerFlag('eval', 'seed', values.seed as string, 0);
  let world: ReturnType<typeof loadWorldPrompts>;
  try {
    world = loadWorldPrompts(values.world);
  } catch (e) {
    throw new CliError(`eval: ${(e as Error).message}`);
  }
  const prompts = world[split];
  const columns: { name: string; report: WorldEvalReport }[] = [];
  const judged: Record<string, unknown>[] = [];
  for (const path of values.model) {
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
    columns.push({ name: path, report: evaluateResponses(prompts, texts, judgements) });
    if (values.answers)
      judged.push(
        ...prompts.map((p, i) => ({
          model: path,
          id: p.id,
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
