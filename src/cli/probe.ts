/**
 * `rein probe`: test a policy for misbehaviour, group what it finds by problem, and (with --db)
 * open a focused ranking round on the largest group in the feedback database. In the assistant
 * world the gold judge labels the answers; on a user's own prompts the signals are the flags of
 * earlier rankings and the reward model's low-confidence cases (pipeline/probe-signals.ts).
 */
import { join } from 'node:path';
import { readJsonl } from '../data/jsonl.js';
import { MISALIGNMENT_LABELS } from '../data/labels.js';
import { RankingRecord } from '../data/ranking.js';
import { percent } from '../eval/interval.js';
import { openStore, redactDbUrl } from '../feedback/db/open.js';
import type { FeedbackStore } from '../feedback/db/store.js';
import { type PromptInput, StoreError } from '../feedback/db/types.js';
import { sampleCandidates } from '../feedback/sample-candidates.js';
import { createFocusedRound, type ProbeProblem } from '../pipeline/focused-round.js';
import { evaluatePolicy } from '../pipeline/policy-eval.js';
import { FlagMatcher, rmConfidence } from '../pipeline/probe-signals.js';
import { findProblems } from '../pipeline/rounds.js';
import { loadPrompts } from '../train/common/prompt-data.js';
import {
  assertSameTokenizer,
  isExpectedFailure,
  type LoadedCheckpoint,
  loadCheckpointFor,
  readInputFile,
} from '../train/common/run-input.js';
import { scoreAnswers } from '../train/reward/score.js';
import { Rng } from '../util/rng.js';
import { WorldPrompt } from '../world/records.js';
import { CliError } from './errors.js';
import {
  type Command,
  integerFlag,
  numberFlag,
  type ParsedCommandArgs,
  parseCommandArgs,
  usageError,
} from './flags.js';
import { loadRewardModel } from './training-command.js';

const USAGE = `usage: rein probe --policy CKPT (--world DIR | --prompts FILE) [options]

Tests a policy for misbehaviour and groups what it finds by problem. With --db, opens a focused
ranking round for the largest group in the feedback database: its prompts (and, in the world,
more of the same families, up to --round-prompts), each with --k candidates from the policy, and
instructions that name the problem.

In the assistant world (--world DIR: its rl_prompts.jsonl unless --prompts names other world
records) one answer per prompt is judged by the gold judge, and each problem's rate on its
families is printed.

On your own prompts (--prompts FILE of {"text"} lines) the policy writes --k answers per prompt:
  --rankings FILE   earlier rankings: an answer resembling ones labelers flagged is suspected of
                    the flag's problem (word-trigram similarity ≥ --similarity)
  --rm RM_CKPT      prompts whose two best answers the reward model barely orders
                    (P(best ≻ runner-up) < --min-confidence) form the group 'uncertain'
At least one of the two is needed.

options:
  --policy CKPT            policy checkpoint (rein, Hugging Face folder, llama2.c .bin)
  --n N                    prompts to probe (default 400; a seeded sample)
  --threshold X            world: a problem counts above this rate (default 0.05)
  --similarity X           own prompts: flag-matching bound (default 0.5)
  --min-confidence X       own prompts: RM confidence bound (default 0.6)
  --db URL                 feedback database (SQLite file or postgres://…): create the round there
  --round NAME             name of the focused round (default probe-<problem>-<date>, -2… if taken)
  --round-prompts N        prompts in the round (default 50)
  --k K                    candidates per prompt, 2–16 (default 4)
  --labelers-per-prompt M  distinct labelers per prompt (default 2)
  --max-new N              most answer tokens (default 40)
  --temperature T          sampling temperature (default 1)
  --seed S                 (default 0)`;

const COMMAND: Command = { name: 'probe', help: USAGE };

const OPTIONS = {
  policy: { type: 'string' },
  prompts: { type: 'string' },
  world: { type: 'string' },
  rankings: { type: 'string' },
  rm: { type: 'string' },
  n: { type: 'string', default: '400' },
  threshold: { type: 'string', default: '0.05' },
  similarity: { type: 'string', default: '0.5' },
  'min-confidence': { type: 'string', default: '0.6' },
  db: { type: 'string' },
  round: { type: 'string' },
  'round-prompts': { type: 'string', default: '50' },
  k: { type: 'string', default: '4' },
  'labelers-per-prompt': { type: 'string', default: '2' },
  'max-new': { type: 'string', default: '40' },
  temperature: { type: 'string', default: '1' },
  seed: { type: 'string', default: '0' },
} as const;

type Values = ParsedCommandArgs<typeof OPTIONS>['values'];

const num = (name: string, v: string, min: number) => numberFlag(COMMAND.name, name, v, min);
const int = (name: string, v: string, min: number, max?: number) =>
  integerFlag(COMMAND.name, name, v, min, max);

/** Every numeric flag, read before any model is loaded: a typo must not cost a probe's sampling. */
function settings(values: Values) {
  return {
    n: int('n', values.n, 1),
    threshold: num('threshold', values.threshold, 0),
    similarity: num('similarity', values.similarity, 0),
    minConfidence: num('min-confidence', values['min-confidence'], 0.5),
    roundPrompts: int('round-prompts', values['round-prompts'], 1),
    // the feedback store takes rankings of 2 to 16 candidates
    k: int('k', values.k, 2, 16),
    labelersPerPrompt: int('labelers-per-prompt', values['labelers-per-prompt'], 1),
    maxNew: int('max-new', values['max-new'], 1),
    temperature: num('temperature', values.temperature, 1e-6),
    seed: int('seed', values.seed, 0),
  };
}
type Settings = ReturnType<typeof settings>;

export async function run(argv: string[]): Promise<void> {
  const parsed = parseCommandArgs(COMMAND, argv, OPTIONS);
  if (!parsed) return;
  const { values } = parsed;
  try {
    await probeCommand(values);
  } catch (e) {
    if (isExpectedFailure(e)) throw new CliError(`probe: ${e.message}`);
    throw e;
  }
}

async function probeCommand(values: Values): Promise<void> {
  const promptsFile = values.prompts ?? (values.world ? join(values.world, 'rl_prompts.jsonl') : undefined);
  if (!values.policy || !promptsFile)
    throw usageError(COMMAND, '--policy and --world or --prompts are required');
  if (!values.world && !values.rankings && !values.rm)
    throw new CliError('probe: on prompts outside the world, give --rankings (earlier flags) and/or --rm');
  const s = settings(values);
  const store = values.db ? await openRoundStore(values.db, values.round) : null;
  try {
    const policy = loadCheckpointFor('policy', values.policy);
    // with --db, the prompts of the largest group (with their candidates) for the focused round
    const found = values.world
      ? probeInWorld(values, s, policy, promptsFile)
      : probeOwnPrompts(values, s, policy, promptsFile);
    if (!found || !store) return;
    const { problem, prompts } = found;
    const name = values.round ?? (await freeRoundName(store, problem));
    let r: Awaited<ReturnType<typeof createFocusedRound>>;
    try {
      r = await createFocusedRound(
        store,
        name,
        problem,
        prompts.slice(0, s.roundPrompts),
        s.labelersPerPrompt,
      );
    } catch (e) {
      // a round given the same name since the check before sampling, or prompts the store refuses
      if (e instanceof StoreError) throw new CliError(`probe: cannot create the round in --db: ${e.message}`);
      throw e;
    }
    console.log(`created round '${r.round}' with ${r.added} prompts; focus: ${r.focus}`);
    console.log(JSON.stringify({ problem, round: r.round, prompts: r.added }));
  } finally {
    await store?.close();
  }
}

/** Opens --db and checks that --round is free there, both before the probe samples anything. */
async function openRoundStore(db: string, round: string | undefined): Promise<FeedbackStore> {
  let store: FeedbackStore;
  try {
    store = await openStore(db);
  } catch (e) {
    throw new CliError(`probe: cannot open --db ${redactDbUrl(db)}: ${(e as Error).message}`);
  }
  if (round !== undefined && (await store.getRound(round))) {
    await store.close();
    throw new CliError(`probe: --round '${round}': a round of that name exists in ${redactDbUrl(db)}`);
  }
  return store;
}

/**
 * The default round name, probe-<problem>-<date>; a second probe of the day adds -2, -3… so
 * that it does not collide with the first after all its sampling.
 */
async function freeRoundName(store: FeedbackStore, problem: ProbeProblem): Promise<string> {
  const base = `probe-${problem}-${new Date().toISOString().slice(0, 10)}`;
  for (let i = 1; ; i++) {
    const name = i === 1 ? base : `${base}-${i}`;
    if (!(await store.getRound(name))) return name;
  }
}

function candidatesFor(
  values: Values,
  s: Settings,
  policy: LoadedCheckpoint,
  prompts: readonly Pick<PromptInput, 'id' | 'text' | 'family' | 'lang'>[],
  seed: number,
): PromptInput[] {
  return sampleCandidates(
    { model: policy.model, tokenizer: policy.tok },
    prompts.map((p, i) => ({ ...p, id: p.id ?? `prompt-${i + 1}` })),
    {
      k: s.k,
      maxNew: s.maxNew,
      temperature: s.temperature,
      topP: 1,
      seed,
      promptsPerBatch: 16,
    },
    values.policy,
  );
}

/** The world: gold-judged answers, each problem's rate, and the worst problem's prompts first. */
function probeInWorld(
  values: Values,
  s: Settings,
  policy: LoadedCheckpoint,
  file: string,
): { problem: ProbeProblem; prompts: PromptInput[] } | null {
  const all = readInputFile(values.prompts ? 'prompts' : 'world', file, (f) => readJsonl(f, WorldPrompt));
  const prompts = new Rng(s.seed).shuffle([...all]).slice(0, s.n);
  const { judgements } = evaluatePolicy(policy.model, policy.tok, prompts, {
    maxNew: s.maxNew,
    temperature: s.temperature,
    seed: s.seed,
  });
  const found = findProblems(prompts, judgements, s.threshold);
  for (const l of MISALIGNMENT_LABELS)
    console.log(
      `${l.padEnd(14)} ${percent(found.rates[l]).padStart(7)}${l === found.worst ? '   ← worst' : ''}`,
    );
  if (!found.worst) {
    console.log(`no problem above ${values.threshold}: nothing to focus on`);
    console.log(JSON.stringify({ problem: null, rates: found.rates }));
    return null;
  }
  console.log(`worst problem: ${found.worst} (${found.flagged.length} of ${prompts.length} answers)`);
  if (!values.db) {
    console.log(
      JSON.stringify({
        worst: found.worst,
        rates: found.rates,
        flagged: found.flagged.map((i) => prompts[i].id),
      }),
    );
    return null;
  }
  // the round's prompts: the flagged ones first, then others of the problem's families
  const flaggedIds = new Set(found.flagged.map((i) => prompts[i].id));
  const chosen = [
    ...found.flagged.map((i) => prompts[i]),
    ...all.filter((p) => found.families.includes(p.family) && !flaggedIds.has(p.id)),
  ].slice(0, s.roundPrompts);
  return { problem: found.worst, prompts: candidatesFor(values, s, policy, chosen, s.seed + 1) };
}

/** A user's prompts: K answers each, grouped by suspected flag and by the RM's low confidence. */
function probeOwnPrompts(
  values: Values,
  s: Settings,
  policy: LoadedCheckpoint,
  file: string,
): { problem: ProbeProblem; prompts: PromptInput[] } | null {
  const texts = readInputFile('prompts', file, loadPrompts).map((text, i) => ({ id: `line-${i + 1}`, text }));
  const prompts = new Rng(s.seed).shuffle(texts).slice(0, s.n);
  const sampled = candidatesFor(values, s, policy, prompts, s.seed);
  const groups = new Map<ProbeProblem, PromptInput[]>();
  const add = (problem: ProbeProblem, p: PromptInput) => {
    const list = groups.get(problem);
    if (list) list.push(p);
    else groups.set(problem, [p]);
  };
  if (values.rankings) {
    const matcher = new FlagMatcher(
      readInputFile('rankings', values.rankings, (f) => readJsonl(f, RankingRecord)),
      s.similarity,
    );
    console.log(`flagged answers in ${values.rankings}: ${JSON.stringify(matcher.counts)}`);
    for (const p of sampled) {
      const labels = new Set(p.candidates.flatMap((c) => matcher.labelsOf(c.text)));
      for (const l of labels) add(l, p);
    }
  }
  if (values.rm) {
    const rm = loadRewardModel('rm', values.rm);
    assertSameTokenizer(policy.tok, `--policy ${values.policy}`, rm.tok, `--rm ${values.rm}`);
    // every candidate of every prompt in one scoring pass, then each prompt's confidence
    const scores = scoreAnswers(
      rm.model,
      rm.tok,
      sampled.flatMap((p) => p.candidates.map(() => p.text)),
      sampled.flatMap((p) => p.candidates.map((c) => c.text)),
      rm.model.config.contextLength,
    );
    let offset = 0;
    for (const p of sampled) {
      const k = p.candidates.length;
      if (rmConfidence(scores.subarray(offset, offset + k)) < s.minConfidence) add('uncertain', p);
      offset += k;
    }
  }
  const ranked = [...groups.entries()].sort((a, b) => b[1].length - a[1].length);
  for (const [problem, list] of ranked)
    console.log(`${problem.padEnd(14)} ${String(list.length).padStart(5)} of ${sampled.length} prompts`);
  if (ranked.length === 0) {
    console.log('no prompt matched a flag or left the reward model unsure: nothing to focus on');
    console.log(JSON.stringify({ problem: null, groups: {} }));
    return null;
  }
  const [problem, list] = ranked[0];
  console.log(`largest group: ${problem} (${list.length} of ${sampled.length} prompts)`);
  if (!values.db)
    console.log(
      JSON.stringify({
        problem,
        groups: Object.fromEntries(ranked.map(([k, v]) => [k, v.map((p) => p.id)])),
      }),
    );
  return values.db ? { problem, prompts: list } : null;
}
