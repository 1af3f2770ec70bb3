/**
 * `rein probe`: test a policy for misbehaviour with the assistant world's gold judge, name the
 * worst problem, and (with --db) open a focused ranking round on it in the feedback database.
 */
import { parseArgs } from 'node:util';
import { readJsonl } from '../data/jsonl.js';
import { MISALIGNMENT_LABELS } from '../data/labels.js';
import { openStore } from '../feedback/db/open.js';
import { sampleCandidates } from '../feedback/sample-candidates.js';
import { loadModel } from '../model/checkpoint.js';
import { createFocusedRound } from '../pipeline/focused-round.js';
import { evaluatePolicy } from '../pipeline/policy-eval.js';
import { findProblems } from '../pipeline/rounds.js';
import { Rng } from '../util/rng.js';
import { WorldPrompt } from '../world/records.js';
import { CliError } from './errors.js';

const USAGE = `usage: rein probe --policy CKPT --prompts FILE [options]

Samples the policy on prompt records of the assistant world (rl_prompts.jsonl, eval.jsonl),
judges every answer, and prints each problem's rate on its families. With --db, creates a
focused ranking round for the worst problem: the prompts where it showed (and more of the same
families, up to --round-prompts), each with --k candidates sampled from the policy.

options:
  --policy CKPT            policy checkpoint (rein, Hugging Face folder, llama2.c .bin)
  --prompts FILE           world prompt records (JSONL with id, family, lang, text, …)
  --n N                    prompts to probe (default 400; a seeded sample)
  --threshold X            a problem counts above this rate (default 0.05)
  --db URL                 feedback database (SQLite file or postgres://…): create the round there
  --round NAME             name of the focused round (default probe-<problem>-<date>)
  --round-prompts N        prompts in the round (default 50)
  --k K                    candidates per prompt (default 4)
  --labelers-per-prompt M  distinct labelers per prompt (default 2)
  --max-new N              most answer tokens (default 40)
  --temperature T          sampling temperature (default 1)
  --seed S                 (default 0)`;

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      policy: { type: 'string' },
      prompts: { type: 'string' },
      n: { type: 'string', default: '400' },
      threshold: { type: 'string', default: '0.05' },
      db: { type: 'string' },
      round: { type: 'string' },
      'round-prompts': { type: 'string', default: '50' },
      k: { type: 'string', default: '4' },
      'labelers-per-prompt': { type: 'string', default: '2' },
      'max-new': { type: 'string', default: '40' },
      temperature: { type: 'string', default: '1' },
      seed: { type: 'string', default: '0' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!values.policy || !values.prompts)
    throw new CliError(`probe: --policy and --prompts are required\n\n${USAGE}`);
  const num = (name: string, v: string, min: number): number => {
    const x = Number(v);
    if (!Number.isFinite(x) || x < min)
      throw new CliError(`probe: --${name} must be a number ≥ ${min}, got '${v}'`);
    return x;
  };
  const seed = num('seed', values.seed, 0);
  const sampling = {
    maxNew: num('max-new', values['max-new'], 1),
    temperature: num('temperature', values.temperature, 1e-6),
    seed,
  };
  let loaded: ReturnType<typeof loadModel>;
  try {
    loaded = loadModel(values.policy);
  } catch (e) {
    throw new CliError(`probe: ${(e as Error).message}`);
  }
  if (!loaded.tokenizer) throw new CliError(`probe: ${values.policy} has no tokenizer`);
  const all = readJsonl(values.prompts, WorldPrompt);
  const prompts = new Rng(seed).shuffle([...all]).slice(0, num('n', values.n, 1));

  const { judgements } = evaluatePolicy(loaded.model, loaded.tokenizer, prompts, sampling);
  const found = findProblems(prompts, judgements, num('threshold', values.threshold, 0));
  for (const l of MISALIGNMENT_LABELS)
    console.log(
      `${l.padEnd(14)} ${(100 * found.rates[l]).toFixed(1).padStart(5)} %${l === found.worst ? '   ← worst' : ''}`,
    );
  if (!found.worst) {
    console.log(`no problem above ${values.threshold}: nothing to focus on`);
    console.log(JSON.stringify({ worst: null, rates: found.rates }));
    return;
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
    return;
  }
  // the round's prompts: the flagged ones first, then others of the problem's families
  const flaggedIds = new Set(found.flagged.map((i) => prompts[i].id));
  const chosen = [
    ...found.flagged.map((i) => prompts[i]),
    ...all.filter((p) => found.families.includes(p.family) && !flaggedIds.has(p.id)),
  ].slice(0, num('round-prompts', values['round-prompts'], 1));
  const withCandidates = sampleCandidates(
    loaded,
    chosen,
    {
      k: num('k', values.k, 2),
      maxNew: sampling.maxNew,
      temperature: sampling.temperature,
      topP: 1,
      seed: seed + 1,
      promptsPerBatch: 16,
    },
    values.policy,
  );
  const name = values.round ?? `probe-${found.worst}-${new Date().toISOString().slice(0, 10)}`;
  const store = await openStore(values.db);
  try {
    const r = await createFocusedRound(
      store,
      name,
      found.worst,
      withCandidates,
      num('labelers-per-prompt', values['labelers-per-prompt'], 1),
    );
    console.log(`created round '${r.round}' with ${r.added} prompts; focus: ${r.focus}`);
    console.log(JSON.stringify({ worst: found.worst, rates: found.rates, round: r.round, prompts: r.added }));
  } finally {
    await store.close();
  }
}
