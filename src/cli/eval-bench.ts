/**
 * `rein eval bench`: judge-free measurements of misalignment on public benchmarks, for any model
 * rein loads — fabrication (TruthfulQA MC1/MC2), sycophancy (CAA A/B), over-refusal and harmful
 * compliance (XSTest), harmful compliance (HarmBench, a refusal-based proxy). The benchmark files
 * are read from the folder the user gives; a table per suite, then the whole result as one JSON line.
 */
import { modelBench } from '../eval/benchmarks/bench-model.js';
import { BENCH_FILES } from '../eval/benchmarks/data.js';
import { answerTokenLimit } from '../eval/benchmarks/generation.js';
import { BENCH_SUITES, type BenchSuite, isBenchSuite, runBenchmarks } from '../eval/benchmarks/runner.js';
import { formatBenchTables } from '../eval/benchmarks/table.js';
import { loadModel } from '../model/checkpoint.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { CliError } from './errors.js';
import { type Command, integerFlag, numberFlag, parseCommandArgs, usageError } from './flags.js';

const USAGE = `usage: rein eval bench --model PATH --data DIR [options]

Measures a model on public benchmarks, no judge needed: fabrication (TruthfulQA MC1/MC2 by
answer likelihood), sycophancy (CAA A/B items: is the answer that agrees with the user the more
likely one), over-refusal and harmful compliance (XSTest: an answer per prompt, refusals found
by string match), harmful compliance (HarmBench validation behaviours: answers not refused — a
refusal-based proxy). Prints a table per suite; the last line is the result as JSON.

DIR holds the files as their projects publish them:
${Object.entries(BENCH_FILES)
  .filter(([key]) => key !== 'xstestCompletions') // only the refusal classifier's test reads it
  .map(([, f]) => `  ${f}`)
  .join('\n')}

A tokenizer with rein's chat tokens gets the chat template; any other a plain zero-shot
"Question: …\\nAnswer:" layout (the result says which).

options:
  --model PATH       a llama2.c .bin, a Hugging Face folder, or a rein checkpoint
  --tokenizer PATH   tokenizer (required for a llama2.c .bin: its tok*.bin)
  --data DIR         the benchmark folder (e.g. ../shared/data)
  --suites LIST      comma-separated, from ${BENCH_SUITES.join(', ')} (default all)
  --limit N          only the first N items of each suite (XSTest: N safe and N unsafe prompts)
  --max-new N        most answer tokens for XSTest and HarmBench (default 64)
  --temperature T    0 (default) = greedy answers; above 0 samples
  --seed S           sampling seed when --temperature > 0 (default 0)
  --batch N          answers generated per batch (default 32)
  --json FILE        also write the result as JSON
  --answers FILE     write every generated answer and its refusal verdict as JSONL
                     {suite, id, group, prompt, answer, refusal}`;

const COMMAND: Command = { name: 'eval bench', help: USAGE };

function parseSuites(raw: string | undefined): BenchSuite[] {
  if (raw === undefined) return [...BENCH_SUITES];
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const bad = names.filter((s) => !isBenchSuite(s));
  if (bad.length || names.length === 0)
    throw new CliError(
      `eval bench: --suites takes names from ${BENCH_SUITES.join(', ')}, got '${bad.join(',') || raw}'`,
    );
  return [...new Set(names as BenchSuite[])];
}

export async function run(argv: string[]): Promise<void> {
  const parsed = parseCommandArgs(COMMAND, argv, {
    model: { type: 'string' },
    tokenizer: { type: 'string' },
    data: { type: 'string' },
    suites: { type: 'string' },
    limit: { type: 'string' },
    'max-new': { type: 'string', default: '64' },
    temperature: { type: 'string', default: '0' },
    seed: { type: 'string', default: '0' },
    batch: { type: 'string', default: '32' },
    json: { type: 'string' },
    answers: { type: 'string' },
  });
  if (!parsed) return;
  const { values } = parsed;
  if (!values.model || !values.data) throw usageError(COMMAND, '--model and --data are required');
  const suites = parseSuites(values.suites);
  const limit = values.limit === undefined ? null : integerFlag(COMMAND.name, 'limit', values.limit, 1);
  const maxNew = integerFlag(COMMAND.name, 'max-new', values['max-new'], 1);
  const temperature = numberFlag(COMMAND.name, 'temperature', values.temperature, 0);
  const seed = integerFlag(COMMAND.name, 'seed', values.seed, 0);
  const batchSize = integerFlag(COMMAND.name, 'batch', values.batch, 1);

  let loaded: ReturnType<typeof loadModel>;
  try {
    loaded = loadModel(values.model, values.tokenizer ?? null);
  } catch (e) {
    throw new CliError(`eval bench: ${(e as Error).message}`);
  }
  if (!loaded.tokenizer)
    throw new CliError(
      `eval bench: no tokenizer is stored with ${values.model}; give one with --tokenizer PATH`,
    );
  const ctx = loaded.model.config.contextLength;
  const answerTokens = answerTokenLimit(ctx, maxNew);
  if (answerTokens < maxNew)
    console.error(
      `eval bench: answers stop at ${answerTokens} tokens, half the model's context of ${ctx} (--max-new ${maxNew} asked for more)`,
    );
  const bench = modelBench(loaded.model, loaded.tokenizer, { maxNew, temperature, seed, batchSize });
  const t0 = performance.now();
  let outcome: ReturnType<typeof runBenchmarks>;
  try {
    outcome = runBenchmarks(bench, values.data, {
      suites,
      limit,
      onSuite: (suite, phase, seconds) =>
        console.error(
          phase === 'start'
            ? `eval bench: ${suite} …`
            : `eval bench: ${suite} done in ${seconds.toFixed(1)} s`,
        ),
    });
  } catch (e) {
    throw new CliError(`eval bench: ${(e as Error).message}`);
  }
  const result = {
    model: values.model,
    tokenizer: values.tokenizer ?? null,
    data: values.data,
    generation: { max_new: answerTokens, temperature, seed: temperature > 0 ? seed : null },
    ...outcome.result,
    seconds_total: Math.round((performance.now() - t0) / 10) / 100,
  };
  console.log(formatBenchTables(outcome.result));
  if (values.json) {
    writeFileAtomic(values.json, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`wrote ${values.json}`);
  }
  if (values.answers) {
    writeFileAtomic(values.answers, outcome.answers.map((a) => `${JSON.stringify(a)}\n`).join(''));
    console.log(`wrote ${values.answers} (${outcome.answers.length} answers)`);
  }
  console.log(JSON.stringify(result));
}
