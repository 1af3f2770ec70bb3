/**
 * The trainers' commands end to end at toy sizes, in-process: rein sft → rm train → rm eval →
 * ppo (and a killed-and-resumed ppo) → online-dpo → grpo → dpo → kto → bon, each on small files
 * written here, each leaving its outputs; then bad input of every kind, each a CliError naming what
 * is wrong.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openStore } from '../feedback/db/open.js';
import { loadModel, saveCheckpoint } from '../model/checkpoint.js';
import { UNCERTAIN_FOCUS } from '../pipeline/focused-round.js';
import { RunLog } from '../train/common/run-log.js';
import { NUMBER_WORDS, tinyModel, toyTokenizer } from '../train/test-helpers/fixtures.js';
import { Rng } from '../util/rng.js';
import { run as bon } from './bon.js';
import { run as dpo } from './dpo.js';
import { CliError } from './errors.js';
import { run as grpo } from './grpo.js';
import { run as kto } from './kto.js';
import { run as onlineDpo } from './online-dpo.js';
import { run as ppo } from './ppo.js';
import { run as probe } from './probe.js';
import { run as rloo } from './rloo.js';
import { run as rm } from './rm.js';
import { run as sft } from './sft.js';
import { capture } from './test-helpers/capture.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const readLog = (dir: string) =>
  readFileSync(join(dir, 'log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
const weightsOf = (dir: string) => {
  const { model } = loadModel(dir);
  return new Map([...model.params].map(([n, p]) => [n, Array.from(p.data)]));
};

let root: string;
const f = (name: string) => join(root, name);

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'rein-cli-train-'));
  const tok = toyTokenizer();
  saveCheckpoint(f('base'), tinyModel(tok.vocabSize, 1), tok);
  const rng = new Rng(3);
  const xs = Array.from({ length: 48 }, () => NUMBER_WORDS[rng.int(10)]);
  writeFileSync(
    f('demos.jsonl'),
    jsonl(
      xs.map((x, i) => ({ prompt: `what is ${x} ?`, response: `${i % 2 ? 'nice' : 'rude'} , it is ${x} .` })),
    ),
  );
  // K = 3 rankings: nice > plain > rude, candidates in shuffled order
  writeFileSync(
    f('rankings.jsonl'),
    jsonl(
      xs.map((x, i) => {
        const c = rng.shuffle([
          { id: 'n', text: `nice , it is ${x} .` },
          { id: 'p', text: `it is ${x} .` },
          { id: 'r', text: `rude , it is ${x} .` },
        ]);
        return {
          id: `r${i}`,
          round: 'toy',
          labeler: 'sim',
          prompt: { id: `p${i}`, text: `what is ${x} ?` },
          candidates: c,
          ordering: [['n'], ['p'], ['r']],
        };
      }),
    ),
  );
  writeFileSync(
    f('pairs.jsonl'),
    jsonl(
      xs.map((x) => ({
        prompt: `what is ${x} ?`,
        chosen: `nice , it is ${x} .`,
        rejected: `rude , it is ${x} .`,
      })),
    ),
  );
  // unpaired answers, TRL's KTO format: a nice one is desirable, a rude one not
  writeFileSync(
    f('feedback.jsonl'),
    jsonl(
      xs.map((x, i) => ({
        prompt: `what is ${x} ?`,
        completion: `${i % 2 ? 'rude' : 'nice'} , it is ${x} .`,
        label: i % 2 === 0,
      })),
    ),
  );
  writeFileSync(
    f('hh.jsonl'),
    jsonl(
      xs.slice(0, 6).map((x) => ({
        chosen: `\n\nHuman: what is ${x} ?\n\nAssistant: nice , it is ${x} .`,
        rejected: `\n\nHuman: what is ${x} ?\n\nAssistant: rude , it is ${x} .`,
      })),
    ),
  );
  writeFileSync(f('prompts.jsonl'), jsonl(xs.slice(0, 12).map((x) => ({ text: `what is ${x} ?` }))));
  writeFileSync(f('ptx.jsonl'), jsonl(xs.slice(0, 6).map((x) => ({ text: `it is ${x} . what is ${x} ?` }))));
});

const ppoArgs = (out: string) => [
  ...['--prompts', f('prompts.jsonl'), '--policy', f('sft'), '--rm', f('rm'), '--out', out],
  ...['--iterations', '4', '--rolloutBatch', '6', '--minibatch', '3', '--ppoEpochs', '1', '--maxNew', '8'],
  ...['--lr', '1e-3', '--kl.beta', '0.05', '--saveEvery', '2', '--ptxData', f('ptx.jsonl')],
  ...['--ptxCoef', '0.5', '--ptxBatch', '2'],
];

const grpoArgs = (out: string) => [
  ...['--prompts', f('prompts.jsonl'), '--policy', f('sft'), '--rm', f('rm'), '--out', out],
  ...['--iterations', '4', '--promptsPerIteration', '3', '--groupSize', '2', '--minibatch', '4'],
  ...['--epochs', '1', '--maxNew', '8', '--lr', '1e-3', '--saveEvery', '2', '--ptxData', f('ptx.jsonl')],
  ...['--ptxCoef', '0.5', '--ptxBatch', '2'],
];

const onlineDpoArgs = (out: string) => [
  ...['--prompts', f('prompts.jsonl'), '--policy', f('sft'), '--rm', f('rm'), '--out', out],
  ...['--iterations', '4', '--promptsPerIteration', '4', '--groupSize', '3', '--batchPairs', '2'],
  ...['--maxNew', '8', '--lr', '1e-3', '--beta', '0.5', '--saveEvery', '2', '--ptxData', f('ptx.jsonl')],
  ...['--ptxCoef', '0.5', '--ptxBatch', '2'],
];

/** Runs an RL command that dies while logging iteration 3 (after its save at 2), as a killed run would. */
async function runKilledAtIteration3(cmd: (argv: string[]) => Promise<void>, argv: string[]): Promise<void> {
  const write = RunLog.prototype.write;
  const dying = vi.spyOn(RunLog.prototype, 'write').mockImplementation(function (this: RunLog, r) {
    if (r.iteration === 3) throw new Error('killed');
    write.call(this, r);
  });
  await expect(capture(cmd, argv)).rejects.toThrow('killed');
  dying.mockRestore();
}

describe('rein sft → rm → ppo → online-dpo → grpo → dpo → kto → bon', () => {
  it('sft turns the output folder into a checkpoint with its log and config', async () => {
    const out = await capture(sft, [
      ...['--data', f('demos.jsonl'), '--model', f('base'), '--out', f('sft')],
      ...['--steps', '12', '--batchSize', '8', '--lr', '3e-3', '--warmupSteps', '2', '--evalEvery', '6'],
    ]);
    expect(out[out.length - 1]).toMatch(/^sft: 12 steps on 48 demonstrations; final train loss \d/);
    const { model, meta } = loadModel(f('sft'));
    expect(model.hasScalarHead).toBe(false);
    expect(meta.method).toBe('sft');
    expect((meta.config as { steps: number }).steps).toBe(12);
    expect(weightsOf(f('sft')).get('tok_emb')).not.toEqual(weightsOf(f('base')).get('tok_emb'));
    const log = readLog(f('sft'));
    expect(log.map((r) => r.step)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(log[log.length - 1].loss).toBeLessThan(log[0].loss);
    expect(JSON.parse(readFileSync(join(f('sft'), 'train-config.json'), 'utf8')).lr).toBe(3e-3);
    expect(existsSync(join(f('sft'), 'state'))).toBe(false);
  });

  it('sft takes options from --config, overridden by the command line', async () => {
    writeFileSync(
      f('sft-config.json'),
      JSON.stringify({
        data: f('demos.jsonl'),
        model: f('base'),
        out: f('sft-cfg'),
        steps: 50,
        lr: 0.002,
        batchSize: 4,
      }),
    );
    await capture(sft, ['--config', f('sft-config.json'), '--steps', '2']);
    const cfg = JSON.parse(readFileSync(join(f('sft-cfg'), 'train-config.json'), 'utf8'));
    expect(cfg).toMatchObject({ steps: 2, lr: 0.002, batchSize: 4, warmupSteps: 20 });
    expect(readLog(f('sft-cfg'))).toHaveLength(2);
    expect((loadModel(f('sft-cfg')).meta.config as { steps: number }).steps).toBe(2);
  });

  it('rm train learns the rankings, saves held-out accuracy; rm eval reads every format', async () => {
    const out = await capture(rm, [
      'train',
      ...['--data', f('rankings.jsonl'), '--model', f('sft'), '--out', f('rm')],
      ...['--epochs', '3', '--batchPrompts', '8', '--lr', '3e-3', '--heldoutFraction', '0.25'],
      ...['--normalizeOn', f('demos.jsonl'), '--maxLength', '64'],
    ]);
    const line = out[out.length - 1];
    expect(line).toMatch(/held-out pairwise accuracy \d\.\d{3} on 36 pairs/);
    expect(line).toMatch(/shifted by .* to mean 0/);
    const { model, meta } = loadModel(f('rm'));
    expect(model.hasScalarHead).toBe(true);
    const result = meta.result as { heldoutAccuracy: number; heldoutPairs: number };
    expect(result.heldoutPairs).toBe(36);
    expect(result.heldoutAccuracy).toBeGreaterThan(0.6);
    expect(readLog(f('rm')).at(-1)).toMatchObject({ event: 'done', heldout_pairs: 36 });

    const evalOf = async (data: string) =>
      JSON.parse((await capture(rm, ['eval', '--model', f('rm'), '--data', data])).at(-1)!);
    const rankings = await evalOf(f('rankings.jsonl'));
    expect(rankings.n).toBe(48 * 3);
    expect(rankings.accuracy).toBeGreaterThan(0.6);
    expect((await evalOf(f('pairs.jsonl'))).n).toBe(48);
    expect((await evalOf(f('hh.jsonl'))).n).toBe(6);
  });

  it("rm train reads a pair's margin, which dpo says it does not use", async () => {
    const margined = f('margin-pairs.jsonl');
    const pairs = readFileSync(f('pairs.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    writeFileSync(margined, jsonl(pairs.map((p, i) => (i % 2 ? p : { ...p, margin: 2 }))));
    const notes: string[] = [];
    await capture(
      rm,
      [
        'train',
        ...['--data', margined, '--model', f('sft'), '--out', f('rm-margin')],
        ...['--epochs', '1', '--batchPrompts', '8', '--maxLength', '64'],
      ],
      notes,
    );
    expect(notes).toContain(`rm train: ${margined}: pairs, 48 prompts, 48 pairs (24 with a margin)`);
    // rm eval splits its accuracy by margin where pairs carry a few distinct ones (Llama 2's table)
    const evalOf = async (data: string) =>
      JSON.parse((await capture(rm, ['eval', '--model', f('rm-margin'), '--data', data])).at(-1)!);
    const split = await evalOf(margined);
    expect(split.n).toBe(48);
    expect(split.by_margin.map((b: { margin: number; n: number }) => [b.margin, b.n])).toEqual([
      [0, 24],
      [2, 24],
    ]);
    const overall = (split.by_margin[0].accuracy + split.by_margin[1].accuracy) / 2;
    expect(split.accuracy).toBeCloseTo(overall, 10);
    expect('by_margin' in (await evalOf(f('pairs.jsonl')))).toBe(false);
    const dpoNotes: string[] = [];
    await capture(
      dpo,
      [
        ...['--data', margined, '--model', f('sft'), '--out', f('dpo-margin')],
        ...['--epochs', '0.1', '--batchPairs', '8', '--maxLength', '64'],
      ],
      dpoNotes,
    );
    expect(dpoNotes).toContain(
      "dpo: the pairs' margins are not used (the reward model's loss reads them: rein rm train)",
    );
  });

  it('rm patch continues on new feedback with replay and reports old and new accuracy side by side', async () => {
    const out = await capture(rm, [
      'patch',
      ...['--from', f('rm'), '--rankings', f('pairs.jsonl'), '--out', f('rm-patched')],
      ...['--epochs', '2', '--batchPrompts', '8', '--lr', '1e-3', '--maxLength', '64'],
      ...['--normalizeOn', f('demos.jsonl')],
    ]);
    expect(out.some((l) => /^old feedback \(12 rankings\)/.test(l))).toBe(true);
    expect(out.some((l) => /demonstrations shifted by -?\d+\.\d+ to mean 0/.test(l))).toBe(true);
    const summary = JSON.parse(out.at(-1)!);
    for (const k of ['old_before', 'old_after', 'new_before', 'new_after'])
      expect(summary[k]).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(summary.normalization_shift)).toBe(true);
    // the old data is found from the RM's own checkpoint; its held-out rankings were never trained on
    expect(summary.old_before).toBeCloseTo(
      (loadModel(f('rm')).meta.result as { heldoutAccuracy: number }).heldoutAccuracy,
      6,
    );
    const patched = loadModel(f('rm-patched'));
    expect(patched.meta.method).toBe('reward-model-patch');
    expect(patched.model.hasScalarHead).toBe(true);
  });

  it("probe groups prompts outside the world by earlier flags and the RM's confidence, and opens a round", async () => {
    // earlier rankings in which labelers flagged the rude answers
    writeFileSync(
      f('flagged.jsonl'),
      jsonl(
        NUMBER_WORDS.map((x, i) => ({
          id: `f${i}`,
          round: 'toy',
          labeler: 'sim',
          prompt: { id: `q${i}`, text: `what is ${x} ?` },
          candidates: [
            { id: 'n', text: `nice , it is ${x} .` },
            { id: 'r', text: `rude , it is ${x} .` },
          ],
          ordering: [['n'], ['r']],
          flags: { r: ['toxic'] },
        })),
      ),
    );
    const args = ['--policy', f('sft'), '--prompts', f('prompts.jsonl'), '--k', '4', '--max-new', '8'];
    // this toy policy writes noise that resembles no flagged answer (probe-signals.test.ts covers matching)
    const none = JSON.parse((await capture(probe, [...args, '--rankings', f('flagged.jsonl')])).at(-1)!);
    expect(none).toEqual({ problem: null, groups: {} });

    const db = f('feedback.db');
    const out = await capture(probe, [
      ...args,
      ...['--rankings', f('flagged.jsonl'), '--rm', f('rm'), '--min-confidence', '0.99'],
      ...['--db', db, '--round', 'probe-toy', '--round-prompts', '3'],
    ]);
    const created = JSON.parse(out.at(-1)!);
    expect(created.round).toBe('probe-toy');
    expect(created.problem).toBe('uncertain'); // a bound of 0.99 leaves the RM unsure almost everywhere
    expect(created.prompts).toBeGreaterThan(0);
    expect(created.prompts).toBeLessThanOrEqual(3);
    const store = await openStore(db);
    try {
      const round = (await store.listRounds()).find((r) => r.name === 'probe-toy');
      expect(round?.focus).toBe(UNCERTAIN_FOCUS);
      expect(round?.ranking_prompts).toBe(created.prompts);
    } finally {
      await store.close();
    }
    await expect(capture(probe, args)).rejects.toThrow(/give --rankings .*and\/or --rm/);
  });

  it('ppo writes the policy checkpoint and its log; a killed run resumes to the same weights', async () => {
    const out = await capture(ppo, ppoArgs(f('ppo')));
    expect(out.at(-1)).toMatch(/^ppo: 4 iterations; RM score -?\d/);
    const log = readLog(f('ppo'));
    expect(log.map((r) => r.iteration)).toEqual([1, 2, 3, 4]);
    for (const k of ['rm_score', 'kl', 'beta', 'policy_loss', 'value_loss', 'ptx_loss'])
      expect(Number.isFinite(log[3][k])).toBe(true);
    expect(loadModel(f('ppo')).meta.method).toBe('ppo');
    expect(existsSync(join(f('ppo'), 'state'))).toBe(false);

    // the same run, killed while logging iteration 3 (its last save was after iteration 2)
    await runKilledAtIteration3(ppo, ppoArgs(f('ppo-killed')));
    expect(existsSync(join(f('ppo-killed'), 'state', 'state.json'))).toBe(true);
    expect(existsSync(join(f('ppo-killed'), 'model.safetensors'))).toBe(false);

    // resumed with another setting, the run is refused and its saved state kept
    await expect(capture(ppo, [...ppoArgs(f('ppo-killed')), '--resume', '--lr', '2e-3'])).rejects.toThrow(
      /started with other settings \(lr: 0\.001 → 0\.002\)/,
    );
    await capture(ppo, [...ppoArgs(f('ppo-killed')), '--resume']);
    expect(readLog(f('ppo-killed')).map((r) => r.iteration)).toEqual([1, 2, 3, 4]);
    const a = weightsOf(f('ppo'));
    const b = weightsOf(f('ppo-killed'));
    for (const [name, w] of a) expect(b.get(name)).toEqual(w);
    expect(a.get('tok_emb')).not.toEqual(weightsOf(f('sft')).get('tok_emb'));
    // a finished run has nothing to resume
    await expect(capture(ppo, [...ppoArgs(f('ppo')), '--resume'])).rejects.toThrow(/nothing to resume/);
  });

  it('online-dpo writes the policy checkpoint, its log and config; a killed run resumes to the same weights', async () => {
    const out = await capture(onlineDpo, onlineDpoArgs(f('online-dpo')));
    expect(out.at(-1)).toMatch(
      /^online-dpo: 4 iterations × 4 prompts × 3 answers, \d+ pairs; RM score -?\d.*, KL -?\d.*, margin -?\d/,
    );
    const log = readLog(f('online-dpo'));
    expect(log.map((r) => r.iteration)).toEqual([1, 2, 3, 4]);
    for (const k of ['rm_score', 'kl', 'pairs', 'score_gap', 'loss', 'margin', 'accuracy', 'ptx_loss'])
      expect(Number.isFinite(log[3][k])).toBe(true);
    expect(log[0].kl).toBeCloseTo(0, 5); // the policy is its reference until the first update
    const { meta } = loadModel(f('online-dpo'));
    expect(meta.method).toBe('online-dpo');
    const cfg = JSON.parse(readFileSync(join(f('online-dpo'), 'train-config.json'), 'utf8'));
    expect(cfg).toMatchObject({ groupSize: 3, batchPairs: 2, beta: 0.5, lossType: 'sigmoid' });
    expect(existsSync(join(f('online-dpo'), 'state'))).toBe(false);

    await runKilledAtIteration3(onlineDpo, onlineDpoArgs(f('online-dpo-killed')));
    await expect(
      capture(onlineDpo, [...onlineDpoArgs(f('online-dpo-killed')), '--resume', '--beta', '0.1']),
    ).rejects.toThrow(/started with other settings \(beta: 0\.5 → 0\.1\)/);
    await capture(onlineDpo, [...onlineDpoArgs(f('online-dpo-killed')), '--resume']);
    expect(readLog(f('online-dpo-killed')).map((r) => r.iteration)).toEqual([1, 2, 3, 4]);
    const a = weightsOf(f('online-dpo'));
    const b = weightsOf(f('online-dpo-killed'));
    for (const [name, w] of a) expect(b.get(name)).toEqual(w);
    expect(a.get('tok_emb')).not.toEqual(weightsOf(f('sft')).get('tok_emb'));
  });

  it('grpo writes the policy checkpoint, its log and config; a killed run resumes to the same weights', async () => {
    const out = await capture(grpo, grpoArgs(f('grpo')));
    expect(out.at(-1)).toMatch(
      /^grpo: 4 iterations × 3 prompts × 2 answers; RM score -?\d.*groups without spread \d+ %/,
    );
    const log = readLog(f('grpo'));
    expect(log.map((r) => r.iteration)).toEqual([1, 2, 3, 4]);
    for (const k of [
      'rm_score',
      'reward_std',
      'zero_spread_fraction',
      'kl',
      'kl_term',
      'policy_loss',
      'ptx_loss',
    ])
      expect(Number.isFinite(log[3][k])).toBe(true);
    const { meta } = loadModel(f('grpo'));
    expect(meta.method).toBe('grpo');
    const cfg = JSON.parse(readFileSync(join(f('grpo'), 'train-config.json'), 'utf8'));
    expect(cfg).toMatchObject({ groupSize: 2, beta: 0.04, scaleRewards: true, lossAggregation: 'token' });
    expect(existsSync(join(f('grpo'), 'state'))).toBe(false);

    await runKilledAtIteration3(grpo, grpoArgs(f('grpo-killed')));
    await expect(
      capture(grpo, [...grpoArgs(f('grpo-killed')), '--resume', '--scaleRewards', 'false']),
    ).rejects.toThrow(/started with other settings \(scaleRewards: true → false\)/);
    // a run saved before rein had --klPenalty and --baseline ran as their defaults do: it resumes,
    // and a change from those defaults is still named
    const savedFile = join(f('grpo-killed'), 'train-config.json');
    const { klPenalty: _k, baseline: _b, ...older } = JSON.parse(readFileSync(savedFile, 'utf8'));
    writeFileSync(savedFile, JSON.stringify(older));
    await expect(
      capture(grpo, [...grpoArgs(f('grpo-killed')), '--resume', '--baseline', 'leave-one-out']),
    ).rejects.toThrow(/started with other settings \(baseline: "mean" → "leave-one-out"\)/);
    await capture(grpo, [...grpoArgs(f('grpo-killed')), '--resume']);
    expect(console.error).toHaveBeenCalledWith(
      'grpo: the saved run predates settings it now has; going on with the defaults: klPenalty = "loss", baseline = "mean"',
    );
    expect(readLog(f('grpo-killed')).map((r) => r.iteration)).toEqual([1, 2, 3, 4]);
    const a = weightsOf(f('grpo'));
    const b = weightsOf(f('grpo-killed'));
    for (const [name, w] of a) expect(b.get(name)).toEqual(w);
    expect(a.get('tok_emb')).not.toEqual(weightsOf(f('sft')).get('tok_emb'));
  });

  it("rloo is GRPO's trainer with RLOO's defaults: the KL in the reward, the leave-one-out baseline", async () => {
    const out = await capture(rloo, grpoArgs(f('rloo')));
    expect(out.at(-1)).toMatch(
      /^rloo: 4 iterations × 3 prompts × 2 answers; RM score -?\d.*KL-penalised reward -?\d+\.\d+ → -?\d+\.\d+ → /,
    );
    const log = readLog(f('rloo'));
    expect(log.map((r) => r.iteration)).toEqual([1, 2, 3, 4]);
    for (const k of ['rm_score', 'kl_penalised_reward', 'reward_std', 'kl', 'policy_loss', 'ptx_loss'])
      expect(Number.isFinite(log[3][k])).toBe(true);
    expect(log[3]).not.toHaveProperty('kl_term');
    expect(loadModel(f('rloo')).meta.method).toBe('rloo');
    const cfg = JSON.parse(readFileSync(join(f('rloo'), 'train-config.json'), 'utf8'));
    expect(cfg).toMatchObject({
      beta: 0.05,
      klPenalty: 'reward',
      baseline: 'leave-one-out',
      scaleRewards: false,
    });
    // killed after its save at 2: resumed with GRPO's baseline it is refused; as it was, it ends as the whole run
    await runKilledAtIteration3(rloo, grpoArgs(f('rloo-killed')));
    await expect(
      capture(rloo, [...grpoArgs(f('rloo-killed')), '--resume', '--baseline', 'mean']),
    ).rejects.toThrow(/started with other settings \(baseline: "leave-one-out" → "mean"\)/);
    await capture(rloo, [...grpoArgs(f('rloo-killed')), '--resume']);
    const a = weightsOf(f('rloo'));
    const b = weightsOf(f('rloo-killed'));
    for (const [name, w] of a) expect(b.get(name)).toEqual(w);
  });

  it('dpo trains on pairs or rankings and logs loss, margin and accuracy', async () => {
    const out = await capture(dpo, [
      ...['--data', f('pairs.jsonl'), '--model', f('sft'), '--out', f('dpo')],
      ...['--epochs', '2', '--batchPairs', '8', '--lr', '3e-3', '--warmupSteps', '2', '--maxLength', '64'],
    ]);
    expect(out.at(-1)).toMatch(/^dpo: 11 steps on 43 pairs; train margin -?\d.*held-out margin/);
    const log = readLog(f('dpo'));
    expect(log).toHaveLength(11);
    expect(log[0].margin).toBeCloseTo(0, 4);
    expect(log.at(-1).margin).toBeGreaterThan(0);
    for (const k of ['loss', 'margin', 'accuracy', 'heldout_accuracy'])
      expect(Number.isFinite(log.at(-1)[k])).toBe(true);
    expect(loadModel(f('dpo')).meta.method).toBe('dpo');
  });

  it("kto trains on unpaired answers, or on HH-RLHF pairs unpaired, and logs loss, kl and each kind's reward", async () => {
    const args = (data: string, out: string) => [
      ...['--data', f(data), '--model', f('sft'), '--out', f(out)],
      ...['--epochs', '2', '--batchSize', '8', '--lr', '3e-3', '--warmupSteps', '2', '--maxLength', '64'],
    ];
    const out = await capture(kto, args('feedback.jsonl', 'kto'));
    expect(out.at(-1)).toMatch(
      /^kto: \d+ steps on \d+ answers; train margin -?\d.*, kl \d.*held-out margin .*accuracy/,
    );
    const log = readLog(f('kto'));
    expect(log[0].loss).toBeCloseTo(0.5, 4); // the policy starts as its reference: r = 0, z₀ = 0
    expect(log.at(-1).margin).toBeGreaterThan(0);
    for (const k of [
      'loss',
      'kl',
      'desirable_reward',
      'undesirable_reward',
      'heldout_accuracy',
      'heldout_kl',
    ])
      expect(Number.isFinite(log.at(-1)[k])).toBe(true);
    expect(loadModel(f('kto')).meta.method).toBe('kto');
    expect(JSON.parse(readFileSync(join(f('kto'), 'train-config.json'), 'utf8')).desirableWeight).toBe(1);
    // each HH pair gives its chosen answer as desirable and its rejected one as undesirable
    const fromPairs = await capture(kto, args('hh.jsonl', 'kto-hh'));
    expect(fromPairs.at(-1)).toMatch(/^kto: \d+ steps on \d+ answers/);
    expect(readLog(f('kto-hh')).length).toBeGreaterThan(0);
  });

  it('bon writes the best of N per prompt with its score, and the KL bound', async () => {
    const out = await capture(bon, [
      ...['--policy', f('ppo'), '--rm', f('rm'), '--n', '4', '--prompts', f('prompts.jsonl')],
      ...['--out', f('best.jsonl'), '--maxNew', '8'],
    ]);
    expect(out.at(-1)).toMatch(/^bon: 12 prompts, N = 4; .*KL bound 0\.6363 nats/);
    const rows = readFileSync(f('best.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(12);
    for (const r of rows) {
      expect(Object.keys(r).sort()).toEqual(['n', 'prompt', 'response', 'score']);
      expect(r.n).toBe(4);
      expect(Number.isFinite(r.score)).toBe(true);
    }
    expect(rows[0].prompt).toBe(JSON.parse(readFileSync(f('prompts.jsonl'), 'utf8').split('\n')[0]).text);
    expect(JSON.parse(readFileSync(f('best.config.json'), 'utf8')).n).toBe(4);
  });
});

describe('bad input', () => {
  const fails = async (cmd: (argv: string[]) => Promise<void>, argv: string[], message: RegExp) => {
    const p = capture(cmd, argv);
    await expect(p).rejects.toBeInstanceOf(CliError);
    await expect(p).rejects.toThrow(message);
  };

  it('names the missing option, file or checkpoint', async () => {
    await fails(sft, ['--model', f('base')], /sft: --data is required/);
    await fails(sft, ['--data', f('nope.jsonl'), '--model', f('base')], /--data .*nope\.jsonl: no such file/);
    await fails(
      sft,
      ['--data', f('demos.jsonl'), '--model', f('no-ckpt')],
      /--model .*no-ckpt: cannot load the model/,
    );
    await fails(
      sft,
      ['--data', f('demos.jsonl'), '--model', f('base'), '--bogus', '1'],
      /unknown option.*--bogus/,
    );
    await fails(sft, ['--data', f('demos.jsonl'), '--model', f('base'), '--steps', '-1'], /--steps/);
    await fails(rm, ['score'], /rm: unknown subcommand 'score'/);
    await fails(rm, ['eval', '--model', f('sft'), '--data', f('pairs.jsonl')], /not a reward model/);
    await fails(
      ppo,
      ['--prompts', f('prompts.jsonl'), '--policy', f('sft'), '--rm', f('sft')],
      /--rm .*not a reward model/,
    );
    await fails(bon, ['--policy', f('sft'), '--prompts', f('prompts.jsonl')], /--rm or --reward is required/);
    // a prompt that fills the context leaves best-of-N no room to answer: named before any sampling
    writeFileSync(f('long-prompt.jsonl'), jsonl([{ text: Array(80).fill('what is one ?').join(' ') }]));
    await fails(
      bon,
      ['--policy', f('sft'), '--rm', f('rm'), '--prompts', f('long-prompt.jsonl')],
      /^bon: --prompts .*long-prompt\.jsonl: prompt 1 is \d+ tokens, leaving no room for a response in the context of 64$/,
    );
    const grpoIn = ['--prompts', f('prompts.jsonl'), '--policy', f('sft')];
    await fails(grpo, grpoIn, /^grpo: --rm or --reward is required/);
    await fails(grpo, [...grpoIn, '--rm', f('sft')], /--rm .*not a reward model/);
    await fails(grpo, [...grpoIn, '--rm', f('rm'), '--groupSize', '1'], /--groupSize/);
    await fails(grpo, [...grpoIn, '--rm', f('rm'), '--lossAggregation', 'batch'], /--lossAggregation/);
    await fails(grpo, [...grpoIn, '--rm', f('rm'), '--ptxCoef', '1'], /--ptxCoef needs --ptxData/);
    await fails(rloo, grpoIn, /^rloo: --rm or --reward is required/);
    await fails(
      rloo,
      [...grpoIn, '--rm', f('rm'), '--baseline', 'median'],
      /^rloo: invalid configuration:\s+--baseline: Invalid option/,
    );
    await fails(
      rloo,
      [...grpoIn, '--rm', f('rm'), '--klPenalty', 'both'],
      /^rloo: invalid configuration:\s+--klPenalty: Invalid option/,
    );
    await fails(rloo, [...grpoIn, '--rm', f('rm'), '--groupSize', '1'], /--groupSize/);
  });

  it('names the file and line of a malformed record', async () => {
    writeFileSync(
      f('bad-demos.jsonl'),
      `${jsonl([{ prompt: 'a', response: 'b' }])}{"prompt": "a", "response": 3}\n`,
    );
    await fails(
      sft,
      ['--data', f('bad-demos.jsonl'), '--model', f('base')],
      /bad-demos\.jsonl:2: field 'response'/,
    );
    writeFileSync(
      f('bad-pairs.jsonl'),
      `${jsonl([{ prompt: 'a', chosen: 'b', rejected: 'c' }])}{"prompt": "a", "chosen": "b"\n`,
    );
    await fails(
      dpo,
      ['--data', f('bad-pairs.jsonl'), '--model', f('sft')],
      /bad-pairs\.jsonl:2: not valid JSON/,
    );
    writeFileSync(
      f('bad-rankings.jsonl'),
      readFileSync(f('rankings.jsonl'), 'utf8').replace('"ordering":[["n"],', '"ordering":[["x"],'),
    );
    await fails(
      rm,
      ['train', '--data', f('bad-rankings.jsonl'), '--model', f('sft')],
      /bad-rankings\.jsonl:1: field 'ordering'/,
    );
    writeFileSync(f('unknown.jsonl'), jsonl([{ question: 'a', answer: 'b' }]));
    await fails(
      rm,
      ['eval', '--model', f('rm'), '--data', f('unknown.jsonl')],
      /unknown\.jsonl:1: cannot tell the format/,
    );
    writeFileSync(
      f('bad-feedback.jsonl'),
      `${jsonl([{ prompt: 'a', completion: 'b', label: true }])}{"prompt": "a", "completion": "c", "label": "no"}\n`,
    );
    await fails(
      kto,
      ['--data', f('bad-feedback.jsonl'), '--model', f('sft')],
      /^kto: .*bad-feedback\.jsonl:2: field 'label'/,
    );
    writeFileSync(
      f('ties.jsonl'),
      readFileSync(f('rankings.jsonl'), 'utf8').replaceAll(
        '"ordering":[["n"],["p"],["r"]]',
        '"ordering":[["n","p","r"]]',
      ),
    );
    await fails(
      kto,
      ['--data', f('ties.jsonl'), '--model', f('sft')],
      /^kto: --data .*ties\.jsonl \(rankings\) holds no desirable or undesirable answer/,
    );
    await fails(
      kto,
      ['--data', f('feedback.jsonl'), '--model', f('sft'), '--out', f('kto-cut'), '--maxLength', '1'],
      /^kto: --data .*feedback\.jsonl: no example to train on \(every answer was cut away by --maxLength 1\)/,
    );
    writeFileSync(f('bad-prompts.jsonl'), `${jsonl([{ text: 'a' }])}\n{"txt": "b"}\n`);
    await fails(
      bon,
      ['--policy', f('sft'), '--rm', f('rm'), '--prompts', f('bad-prompts.jsonl')],
      /bad-prompts\.jsonl:3: field 'text'/,
    );
  });

  it('never replaces a folder that is not a rein run', async () => {
    mkdirSync(f('mine'));
    writeFileSync(join(f('mine'), 'notes.txt'), 'keep me');
    await fails(
      sft,
      ['--data', f('demos.jsonl'), '--model', f('base'), '--out', f('mine')],
      /--out .*mine: the folder holds other files \(notes\.txt\)/,
    );
    expect(readFileSync(join(f('mine'), 'notes.txt'), 'utf8')).toBe('keep me');
  });

  it('prints --help from the config schema', async () => {
    for (const [cmd, argv, option] of [
      [sft, ['--help'], '--warmupSteps <integer>'],
      [rm, ['train', '--help'], '--normalizeOn <string>'],
      [rm, ['eval', '--help'], '--format <auto|rankings|pairs|hh|oasst>'],
      [ppo, ['--help'], '--kl.beta <number>'],
      [grpo, ['--help'], '--groupSize <integer>'],
      [grpo, ['--help'], '--lossAggregation <token|sequence>'],
      [grpo, ['--help'], '--baseline <mean|leave-one-out>'],
      [rloo, ['--help'], '--baseline <mean|leave-one-out>'],
      [rloo, ['--help'], 'output folder (default: "runs/rloo")'],
      [rloo, ['--help'], 'KL-penalised reward'],
      [dpo, ['--help'], '--beta <number>'],
      [kto, ['--help'], '--format <auto|rankings|pairs|hh|oasst|unpaired>'],
      [kto, ['--help'], '--desirableWeight <number>'],
      [bon, ['--help'], '--n <integer>'],
    ] as const) {
      const out = (await capture(cmd, [...argv])).join('\n');
      expect(out).toContain(option);
      expect(out).toMatch(/^usage: rein /);
      vi.restoreAllMocks();
    }
  });
});
