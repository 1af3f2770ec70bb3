import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { DataFileError, jsonlLines, toJsonl } from '../data/jsonl.js';
import { MISALIGNMENT_LABELS, type MisalignmentLabel } from '../data/labels.js';
import { percent } from '../eval/interval.js';
import { evaluateResponses } from '../eval/world-metrics.js';
import { formatEvalTable } from '../eval/world-report.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import {
  expectedAgreement,
  measureAgreement,
  referenceCandidateSets,
  temperatureForAgreement,
} from '../world/agreement.js';
import { answerPairs } from '../world/answer-pairs.js';
import { WORLD_FILES, writeWorld } from '../world/build.js';
import { WorldConfig } from '../world/config.js';
import { generateWorld } from '../world/generate.js';
import { judge } from '../world/judge.js';
import { DEFAULT_TEMPERATURE, labelerPool, labelRound } from '../world/labelers.js';
import { isPromptSplit, loadWorldPrompts, PROMPT_SPLITS, type WorldPrompts } from '../world/load.js';
import type { WorldPrompt } from '../world/records.js';
import { CliError } from './errors.js';
import {
  type Command,
  checkedNumber,
  integerFlag,
  parseCommandArgs,
  positiveFlag,
  requiredFlag,
} from './flags.js';

const USAGE = `usage: rein world <command> [options]

commands:
  build      generate the assistant world: rein world build --seed S --out DIR [--config FILE.json]
  judge      gold-judge responses: rein world judge --world DIR --in FILE [--out FILE]
             FILE lines are {"id","response"}; output lines are {"id","labels","gold"}
  metrics    evaluation table of responses: rein world metrics --world DIR --in FILE [--json FILE]
  label      rank candidates with simulated labelers:
             rein world label --world DIR --in FILE [--labelers N] [--per-prompt N] [--round R]
                              [--blind LABEL,…] [--focus LABEL=W,…] [--temperature T] [--much-worse-at D]
                              [--seed S] [--out FILE]
             (--much-worse-at: a labeler marks a tier "much worse" than the one above, gap 1, where it
             sees a drop of at least D in gold units; the reward model learns a margin there)
             FILE lines are {"id","candidates":[text,…]}; output lines are RankingRecords
  agreement  tune the labelers' noise: rein world agreement [--target 0.73] [--seed S] [--per-family N]
  answer-pairs  right-vs-wrong answer pairs for the fact and math prompts, the same sentence
             filled with the right and a wrong value — does a reward model know the facts?
             rein world answer-pairs --world DIR [--split eval|rl|rank] [--seed S] [--out FILE]
             then: rein rm eval --model RM --data FILE

labels: ${MISALIGNMENT_LABELS.join(', ')}`;

export async function run(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
    console.log(USAGE);
    return;
  }
  const commands: Record<string, (args: string[]) => void> = {
    build,
    judge: judgeCmd,
    metrics,
    label,
    agreement,
    'answer-pairs': answerPairsCmd,
  };
  const cmd = commands[sub];
  if (!cmd) throw new CliError(`world: unknown command '${sub}'\n\n${USAGE}`);
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(USAGE);
    return;
  }
  cmd(rest);
}

const command = (name: string): Command => ({ name: `world ${name}`, help: USAGE });

/**
 * Parses `--flag value` options (every option of these commands takes a string); null when it
 * printed the help.
 */
function parse(
  name: string,
  args: string[],
  flags: readonly string[],
): Record<string, string | undefined> | null {
  const options = Object.fromEntries(flags.map((f) => [f, { type: 'string' as const }]));
  return parseCommandArgs(command(name), args, options)?.values ?? null;
}

function build(args: string[]): void {
  const v = parse('build', args, ['seed', 'out', 'config']);
  if (!v) return;
  const out = requiredFlag(command('build'), 'out', v.out);
  let base: Record<string, unknown> = {};
  if (v.config) {
    try {
      base = JSON.parse(readFileSync(v.config, 'utf8'));
    } catch (e) {
      throw new CliError(`world build: --config ${v.config}: ${(e as Error).message}`);
    }
  }
  const parsed = WorldConfig.safeParse({ ...base, ...(v.seed !== undefined ? { seed: v.seed } : {}) });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError(`world build: config field '${issue.path.join('.')}': ${issue.message}`);
  }
  const t0 = Date.now();
  const world = generateWorld(parsed.data);
  const files = writeWorld(world, out);
  const lines = Object.entries(files).map(
    ([name, f]) =>
      `  ${name.padEnd(20)} ${String(f.records).padStart(7)} records ${String(f.bytes).padStart(11)} bytes`,
  );
  console.log(
    [
      `world (seed ${world.config.seed}) written to ${resolve(out)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      ...lines,
      `  see ${WORLD_FILES.readme} and ${WORLD_FILES.manifest}`,
    ].join('\n'),
  );
}

function loadWorld(name: string, dir: string | undefined): WorldPrompts {
  const d = requiredFlag(command(name), 'world', dir);
  try {
    return loadWorldPrompts(d);
  } catch (e) {
    throw new CliError(`world ${name}: ${(e as Error).message}`);
  }
}

/** Parses a JSONL input file line by line; errors name the file, the line and the field. */
function readLines<S extends z.ZodType>(
  name: string,
  file: string,
  schema: S,
): { line: number; data: z.infer<S> }[] {
  try {
    return Array.from(jsonlLines(file, schema as z.ZodType<z.infer<S>>));
  } catch (e) {
    const why = e instanceof DataFileError ? e.message : `cannot read ${file}: ${(e as Error).message}`;
    throw new CliError(`world ${name}: ${why}`);
  }
}

const ResponseLine = z.object({ id: z.string().min(1), response: z.string() });

function promptsFor(
  name: string,
  file: string,
  world: WorldPrompts,
  ids: { line: number; id: string }[],
): WorldPrompt[] {
  return ids.map(({ line, id }) => {
    const p = world.byId.get(id);
    if (!p)
      throw new CliError(`world ${name}: ${file}:${line}: unknown prompt id '${id}' (not in ${world.dir})`);
    return p;
  });
}

function writeOrPrint(out: string | undefined, text: string): void {
  if (out) writeFileAtomic(out, text);
  else process.stdout.write(text);
}

function judgeCmd(args: string[]): void {
  const v = parse('judge', args, ['world', 'in', 'out']);
  if (!v) return;
  const world = loadWorld('judge', v.world);
  const file = requiredFlag(command('judge'), 'in', v.in);
  const rows = readLines('judge', file, ResponseLine);
  const prompts = promptsFor(
    'judge',
    file,
    world,
    rows.map((r) => ({ line: r.line, id: r.data.id })),
  );
  const out = rows.map((r, i) => {
    const j = judge(prompts[i], r.data.response);
    return { id: r.data.id, labels: j.labels, gold: j.gold };
  });
  writeOrPrint(v.out, toJsonl(out));
}

function metrics(args: string[]): void {
  const v = parse('metrics', args, ['world', 'in', 'json']);
  if (!v) return;
  const world = loadWorld('metrics', v.world);
  const file = requiredFlag(command('metrics'), 'in', v.in);
  const rows = readLines('metrics', file, ResponseLine);
  const prompts = promptsFor(
    'metrics',
    file,
    world,
    rows.map((r) => ({ line: r.line, id: r.data.id })),
  );
  const report = evaluateResponses(
    prompts,
    rows.map((r) => r.data.response),
  );
  console.log(formatEvalTable([{ name: file, report }]));
  if (v.json) writeFileAtomic(v.json, `${JSON.stringify(report, null, 2)}\n`);
}

function answerPairsCmd(args: string[]): void {
  const v = parse('answer-pairs', args, ['world', 'split', 'seed', 'out']);
  if (!v) return;
  const world = loadWorld('answer-pairs', v.world);
  const split = v.split ?? 'eval';
  if (!isPromptSplit(split))
    throw new CliError(
      `world answer-pairs: --split must be one of ${PROMPT_SPLITS.join(', ')}, not '${split}'`,
    );
  const pairs = answerPairs(world[split], v.seed);
  const rows = pairs.map(({ prompt, chosen, rejected }) => ({ prompt, chosen, rejected }));
  writeOrPrint(v.out, toJsonl(rows));
  if (v.out) console.log(`${rows.length} pairs (${split} fact and math prompts) → ${v.out}`);
}

const CandidateLine = z.object({ id: z.string().min(1), candidates: z.array(z.string()).min(2).max(16) });

function parseLabels(name: string, flag: string, value: string | undefined): MisalignmentLabel[] {
  if (!value) return [];
  return value.split(',').map((s) => {
    const l = s.trim();
    if (!(MISALIGNMENT_LABELS as readonly string[]).includes(l)) {
      throw new CliError(
        `world ${name}: --${flag}: unknown label '${l}' (labels: ${MISALIGNMENT_LABELS.join(', ')})`,
      );
    }
    return l as MisalignmentLabel;
  });
}

function parseFocus(value: string | undefined): Partial<Record<MisalignmentLabel, number>> {
  const out: Partial<Record<MisalignmentLabel, number>> = {};
  if (!value) return out;
  for (const part of value.split(',')) {
    const [l, w] = part.split('=');
    const [label] = parseLabels('label', 'focus', l);
    const weight = Number(w);
    if (w === undefined || !Number.isFinite(weight) || weight < 0) {
      throw new CliError(`world label: --focus: '${part}' must be LABEL=WEIGHT with a weight ≥ 0`);
    }
    out[label] = weight;
  }
  return out;
}

function positiveInt(name: string, flag: string, value: string | undefined, fallback: number): number {
  return value === undefined ? fallback : integerFlag(`world ${name}`, flag, value, 1);
}

function label(args: string[]): void {
  const v = parse('label', args, [
    'world',
    'in',
    'out',
    'labelers',
    'per-prompt',
    'round',
    'blind',
    'focus',
    'temperature',
    'much-worse-at',
    'seed',
  ]);
  if (!v) return;
  const world = loadWorld('label', v.world);
  const file = requiredFlag(command('label'), 'in', v.in);
  const rows = readLines('label', file, CandidateLine);
  const prompts = promptsFor(
    'label',
    file,
    world,
    rows.map((r) => ({ line: r.line, id: r.data.id })),
  );
  const n = positiveInt('label', 'labelers', v.labelers, 3);
  const perPrompt = positiveInt('label', 'per-prompt', v['per-prompt'], 1);
  if (perPrompt > n)
    throw new CliError(`world label: --per-prompt (${perPrompt}) cannot exceed --labelers (${n})`);
  const temperature =
    v.temperature === undefined ? undefined : positiveFlag('world label', 'temperature', v.temperature);
  const muchWorseAt =
    v['much-worse-at'] === undefined
      ? undefined
      : positiveFlag('world label', 'much-worse-at', v['much-worse-at']);
  const round = v.round ?? 'r1';
  const seed = v.seed ?? '1';
  const labelers = labelerPool(n, {
    seed,
    temperature,
    muchWorseAt,
    blindSpot: parseLabels('label', 'blind', v.blind),
    focus: parseFocus(v.focus),
  });
  const records = labelRound({
    prompts,
    candidates: rows.map((r) => r.data.candidates),
    labelers,
    round,
    perPrompt,
    seed,
  });
  writeOrPrint(v.out, toJsonl(records));
  const golds = new Map<string, number>();
  const goldOf = (promptId: string, text: string) => {
    const key = `${promptId}\u0000${text}`;
    let g = golds.get(key);
    if (g === undefined) golds.set(key, (g = judge(world.byId.get(promptId)!, text).gold));
    return g;
  };
  const a = measureAgreement(records, goldOf);
  console.error(
    `${records.length} rankings by ${n} labelers (T = ${labelers[0].temperature}); agreement on ${a.items} items ranked twice or more: ` +
      `${percent(a.rateGoldDiffer)} over ${a.pairsGoldDiffer} pairs whose gold differs, ${percent(a.rate)} over all ${a.pairs} pairs`,
  );
}

function agreement(args: string[]): void {
  const v = parse('agreement', args, ['target', 'seed', 'per-family']);
  if (!v) return;
  const target =
    v.target === undefined
      ? 0.73
      : checkedNumber('world agreement', 'target', v.target, (x) => x > 0.5 && x < 1, 'in (0.5, 1)');
  const seed = v.seed ?? '1';
  const perFamily = positiveInt('agreement', 'per-family', v['per-family'], 150);
  const sets = referenceCandidateSets(seed, perFamily);
  const pool = labelerPool(8, { seed: `agreement:${seed}` });
  const t = temperatureForAgreement(target, pool, sets);
  const atDefault = expectedAgreement(
    pool.map((l) => ({ ...l, temperature: DEFAULT_TEMPERATURE })),
    sets,
  );
  console.log(
    `reference: ${sets.length} candidate sets (K = 4–9), 8 labelers\n` +
      `temperature for ${percent(target)} agreement (pairs whose gold differs): ${t.toFixed(3)}\n` +
      `expected agreement at the default temperature ${DEFAULT_TEMPERATURE}: ${percent(atDefault)}`,
  );
}
