import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { responseLogProbs, type Transformer } from '../../model/transformer.js';
import * as T from '../../tensor/index.js';
import { encodeChat } from '../../tokenizer/chat-template.js';
import { packedLogProbs, packRows } from '../common/packed-rollouts.js';
import { responseMask, rolloutLogProbs, sampleRollouts, selectResponseRows } from '../common/rollout.js';
import type { RunLog } from '../common/run-log.js';
import { RlooConfig } from '../rloo/config.js';
import { trainRloo } from '../rloo/train.js';
import { toyRlTask } from '../test-helpers/fixtures.js';
import { IterationLog } from '../test-helpers/run-logs.js';
import { expectSameSteps } from '../test-helpers/same-steps.js';
import { GrpoConfig } from './config.js';
import { type CriticFreeRun, type GrpoHooks, type GrpoIterationLog, trainGrpo } from './train.js';

let task: ReturnType<typeof toyRlTask>;
beforeAll(() => {
  task = toyRlTask();
});

const made: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(join(tmpdir(), 'rein-grpo-'));
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
/** The RM's mean score of an iteration (these runs have a reward model: it is logged). */
const score = (h: GrpoIterationLog) => h.rm_score ?? Number.NaN;
const small = { promptsPerIteration: 8, groupSize: 4, minibatch: 16, epochs: 2, maxNew: 12, lr: 1e-3 };

describe('trainGrpo', () => {
  it('raises the reward on a toy task, samples each prompt G times, and logs every metric', () => {
    const { tok, sft, rm, prompts } = task;
    const cfg = GrpoConfig.parse({ ...small, out: tmp(), iterations: 8, saveEvery: 0, evalEvery: 3 });
    const niceShare: number[] = [];
    const evaluatedAt: number[] = [];
    const groupsOk: boolean[] = [];
    const history = trainGrpo({ policy: sft.clone(), reference: sft, rewardModel: rm }, tok, prompts, cfg, {
      quiet: true,
      gold: (rows, responses) => {
        // 8 prompts, each in 4 consecutive rows
        groupsOk.push(rows.length === 32 && rows.every((r, i) => r === rows[i - (i % 4)]));
        const g = responses.map((r) => (r.startsWith('nice') ? 1 : 0));
        niceShare.push(g.reduce((a: number, b) => a + b, 0) / g.length);
        return g;
      },
      onEval: (iteration) => {
        evaluatedAt.push(iteration);
        return {};
      },
    });
    expect(history).toHaveLength(8);
    expect(groupsOk.every(Boolean)).toBe(true);
    expect(evaluatedAt).toEqual([3, 6, 8]);
    const first = history[0];
    const last = history[history.length - 1];
    for (const key of [
      'rm_score',
      'reward_std',
      'zero_spread_fraction',
      'kl',
      'kl_term',
      'policy_loss',
      'clip_fraction',
      'approx_kl',
      'entropy',
      'response_length',
      'no_eos_fraction',
      'gold',
    ] as const)
      expect(Number.isFinite(last[key])).toBe(true);
    // the policy is the reference before the first update: the sampler's old log-probs differ from the
    // reference pass's by rounding alone
    expect(Math.abs(first.kl)).toBeLessThan(1e-4);
    expect(first.reward_std).toBeGreaterThan(0);
    expect(score(last)).toBeGreaterThan(score(first) + 0.5);
    expect(niceShare[niceShare.length - 1]).toBeGreaterThan(Math.max(0.8, niceShare[0]));
    expect(last.kl).toBeGreaterThan(0);
    expect(last.kl_term).toBeGreaterThan(0);
  });

  it("gives a group's responses the log-probs each has alone, whatever the padding or packing", () => {
    const { tok, sft } = task;
    const prompts = ['what is one ?', 'what is two plus three ?'].map((p) => encodeChat(tok, p).ids);
    const rows = [0, 0, 0, 1, 1, 1]; // two groups of three
    const { gens, batch } = sampleRollouts(
      sft,
      rows.map((r) => prompts[r]),
      {
        maxNew: 12,
        temperature: 1.5,
        stopIds: tok.encode(' it .'),
        seed: 5,
        padId: tok.padId ?? 0,
        context: 64,
        who: 'test',
      },
    );
    // stopping at ' it' or ' .' gives responses of 4 to 7 tokens, unequal within a group too
    expect(new Set(gens.map((g) => g.ids.length)).size).toBeGreaterThan(2);
    const { L } = batch;
    const mask = responseMask(batch);
    const aligned = rolloutLogProbs(sft, batch, 1.5);
    // each response alone: no padding at all
    rows.forEach((r, b) => {
      const ids = [...prompts[r], ...gens[b].ids];
      const alone = T.noGrad(() =>
        responseLogProbs(
          sft,
          { ids: Int32Array.from(ids), B: 1, T: ids.length },
          Int32Array.of(prompts[r].length),
          1.5,
        ).logProbs.toArray(),
      );
      for (let t = 0; t < gens[b].ids.length; t++)
        expect(aligned[b * L + t]).toBeCloseTo(alone[prompts[r].length + t], 4);
      // and what the sampler itself recorded
      gens[b].logProbs.forEach((lp, t) => {
        expect(aligned[b * L + t]).toBeCloseTo(lp, 4);
      });
    });
    // a shuffled minibatch, packed as the update reads it
    const mb = [4, 1, 5, 0];
    const packed = T.noGrad(() => packedLogProbs(sft, packRows(batch, mb), L, 1.5).toArray());
    const want = selectResponseRows(aligned, L, mb);
    const m = selectResponseRows(mask, L, mb);
    want.forEach((v, i) => {
      if (m[i]) expect(packed[i]).toBeCloseTo(v, 4);
    });
  });
});

describe('trainGrpo in micro-batches', () => {
  it.each([
    ['token', 0],
    ['sequence', 0.04],
  ])('takes the steps of whole minibatches, aggregating by %s (β %s)', (lossAggregation, beta) => {
    const { tok, sft, rm, prompts } = task;
    const ptx = prompts.slice(0, 6).map((p) => ({ ids: tok.encode(`${p} it is .`), responseStart: 0 }));
    const run = (microBatch: number) => {
      const cfg = GrpoConfig.parse({
        ...small,
        out: tmp(),
        iterations: 2,
        microBatch,
        lossAggregation,
        beta,
        ptxCoef: 0.5,
        ptxBatch: 2,
        saveEvery: 0,
        evalEvery: 0,
      });
      const models = { policy: sft.clone(), reference: sft, rewardModel: rm };
      return trainGrpo(models, tok, prompts, cfg, { quiet: true }, ptx);
    };
    // passes of 5, 5, 5 and 1 responses of unequal lengths
    expectSameSteps(run(0), run(5), [
      'rm_score',
      'kl',
      'policy_loss',
      'clip_fraction',
      'approx_kl',
      'ptx_loss',
    ]);
  });
});

describe('trainRloo', () => {
  it('raises the reward on a toy task, trains on r − β·KL, and logs every metric', () => {
    const { tok, sft, rm, prompts } = task;
    const beta = 0.05;
    const cfg = RlooConfig.parse({ ...small, out: tmp(), iterations: 8, saveEvery: 0, beta });
    const niceShare: number[] = [];
    const history = trainRloo({ policy: sft.clone(), reference: sft, rewardModel: rm }, tok, prompts, cfg, {
      quiet: true,
      gold: (_rows, responses) => {
        const g = responses.map((r) => (r.startsWith('nice') ? 1 : 0));
        niceShare.push(g.reduce((a: number, b) => a + b, 0) / g.length);
        return g;
      },
    });
    expect(history).toHaveLength(8);
    const first = history[0];
    const last = history[history.length - 1];
    for (const key of ['kl_penalised_reward', 'reward_std', 'policy_loss', 'clip_fraction', 'gold'] as const)
      expect(Number.isFinite(last[key])).toBe(true);
    expect(last.kl_term).toBeUndefined(); // the KL is not a term of the loss
    // mean(r − β·KL) = the mean RM score, less the no-EOS penalty (1 each) and β·the mean KL, every iteration
    for (const h of history)
      expect(h.kl_penalised_reward).toBeCloseTo(score(h) - h.no_eos_fraction - beta * h.kl, 5);
    expect(first.kl).toBe(0); // the policy is the reference before the first update (both by one pass)
    expect(score(last)).toBeGreaterThan(score(first) + 0.5);
    expect(niceShare[niceShare.length - 1]).toBeGreaterThan(Math.max(0.8, niceShare[0]));
    expect(last.kl).toBeGreaterThan(0);
  });
});

/** GRPO and RLOO: one trainer, two configurations, the same contracts. */
const methods = [
  {
    name: 'GRPO',
    train: trainGrpo,
    config: (o: Record<string, unknown>) => GrpoConfig.parse(o),
    // β = 0: the k3 term's gradient at π = π_ref is 0 only up to rounding, which AdamW would scale up
    flat: { beta: 0 },
    // the logged KL's old log-probs are the sampler's: the reference pass's up to rounding
    unmovedKl: 1e-4,
  },
  {
    name: 'RLOO',
    train: trainRloo,
    config: (o: Record<string, unknown>) => RlooConfig.parse(o),
    // β as it is: the KL of a policy that never moved is exactly 0, so it adds no spread either
    flat: {},
    unmovedKl: 0,
  },
];

describe.each(methods)('the critic-free trainer as $name', (method) => {
  const { train, config, flat: flatSettings } = method;
  const run = (
    policy: Transformer,
    rewardModel: Transformer,
    cfg: GrpoConfig,
    hooks: GrpoHooks,
    ptx: CriticFreeRun[5] = [],
  ) => train({ policy, reference: task.sft, rewardModel }, task.tok, task.prompts, cfg, hooks, ptx);

  it('leaves the policy as it was when every group is unanimous: no spread, no signal', () => {
    const { sft, rm } = task;
    const flat = rm.clone();
    flat.params.get('scalar_head.weight')!.data.fill(0); // every response scores the bias alone
    const policy = sft.clone();
    const cfg = config({ ...small, ...flatSettings, out: tmp(), iterations: 2, noEosPenalty: 0 });
    const history = run(policy, flat, cfg, { quiet: true });
    for (const h of history) {
      expect(h.zero_spread_fraction).toBe(1);
      expect(h.reward_std).toBe(0);
      expect(h.policy_loss).toBe(0);
      expect(Math.abs(h.kl)).toBeLessThanOrEqual(method.unmovedKl);
    }
    for (const [name, p] of sft.params)
      expect(Array.from(policy.params.get(name)!.data)).toEqual(Array.from(p.data));
  });

  it('learns from a reward function alone, which sees each response with the index of its prompt', () => {
    const { tok, sft, prompts } = task;
    const cfg = config({ ...small, out: tmp(), iterations: 8, saveEvery: 0, noEosPenalty: 0 });
    const rowsOk: boolean[] = [];
    const nice = (rows: readonly number[], responses: readonly string[]) => {
      rowsOk.push(rows.length === responses.length && rows.every((r) => r >= 0 && r < prompts.length));
      return responses.map((r) => (r.startsWith('nice') ? 1 : 0));
    };
    const policy = sft.clone();
    const history = train(
      { policy, reference: sft, rewardModel: null, rewardFunction: nice },
      tok,
      prompts,
      cfg,
      { quiet: true },
    );
    expect(rowsOk.length).toBe(8);
    expect(rowsOk.every(Boolean)).toBe(true);
    const first = history[0].function_reward ?? Number.NaN;
    const last = history[history.length - 1].function_reward ?? Number.NaN;
    expect(history.every((h) => h.rm_score === undefined)).toBe(true);
    expect(last).toBeGreaterThan(Math.max(0.8, first + 0.2));
  });

  it('trains on the sum of the reward model and the reward function where it has both', () => {
    const { sft, rm } = task;
    const cfg = config({ ...small, out: tmp(), iterations: 2, saveEvery: 0, noEosPenalty: 0 });
    const lengths = (_rows: readonly number[], responses: readonly string[]) =>
      responses.map((r) => r.length / 10);
    const both = train(
      { policy: sft.clone(), reference: sft, rewardModel: rm, rewardFunction: lengths },
      task.tok,
      task.prompts,
      cfg,
      { quiet: true },
    );
    const alone = train(
      { policy: sft.clone(), reference: sft, rewardModel: rm },
      task.tok,
      task.prompts,
      cfg,
      {
        quiet: true,
      },
    );
    // the same first rollouts (same seed, same policy): the same RM scores, the function's beside them
    expect(both[0].rm_score).toBe(alone[0].rm_score);
    expect(both[0].function_reward).toBeGreaterThan(0);
    // and the groups' spread is that of the sum: a reward the function adds to changes it
    expect(both[0].reward_std).not.toBe(alone[0].reward_std);
  });

  it('refuses a run without a reward, and a reward function that returns the wrong thing', () => {
    const { sft } = task;
    const cfg = config({ ...small, out: tmp(), iterations: 1 });
    const go = (rewardFunction?: (rows: readonly number[], r: readonly string[]) => ArrayLike<number>) =>
      train(
        { policy: sft.clone(), reference: sft, rewardModel: null, rewardFunction },
        task.tok,
        task.prompts,
        cfg,
        { quiet: true },
      );
    expect(() => go()).toThrow(/no reward: give a reward model, a reward function, or both/);
    expect(() => go((_rows, r) => r.slice(1).map(() => 1))).toThrow(
      /the reward function returned 31 numbers for 32 responses/,
    );
  });

  it('stops at the first non-finite loss, naming the iteration and the metric, and logs it', () => {
    const { sft, rm } = task;
    const broken = rm.clone();
    broken.params.get('scalar_head.bias')!.data.fill(Number.NaN); // every reward NaN
    const log = new IterationLog();
    const cfg = config({ ...small, out: tmp(), iterations: 2 });
    expect(() => run(sft.clone(), broken, cfg, { quiet: true, log })).toThrow(
      /training stopped at step 1: policy_loss is NaN/,
    );
    expect(log.records).toHaveLength(1);
    expect(log.records[0]).toMatchObject({ iteration: 1 });
    expect(Number.isNaN(log.records[0].policy_loss)).toBe(true);
  });

  it('a run killed after a save and resumed ends with the weights and log of an uninterrupted run', () => {
    const { tok, sft, rm, prompts } = task;
    const base = { ...small, iterations: 4, saveEvery: 2, ptxCoef: 0.5, ptxBatch: 2 };
    const ptx = prompts.slice(0, 6).map((p) => ({ ids: tok.encode(`${p} it is .`), responseStart: 0 }));
    const resumable = (policy: Transformer, cfg: GrpoConfig, log: RunLog) =>
      run(policy, rm, cfg, { quiet: true, log }, ptx);
    const full = sft.clone();
    const fullLog = new IterationLog();
    resumable(full, config({ ...base, out: tmp() }), fullLog);

    const out = tmp();
    const dying = new IterationLog(3); // dies while logging iteration 3: its last save was after 2
    expect(() => resumable(sft.clone(), config({ ...base, out }), dying)).toThrow('killed');
    const resumed = sft.clone();
    const resumedLog = new IterationLog();
    const history = resumable(resumed, config({ ...base, out, resume: true }), resumedLog);
    expect(resumedLog.records.map((r) => r.iteration)).toEqual([3, 4]);
    for (const [name, p] of full.params)
      expect(Array.from(resumed.params.get(name)!.data)).toEqual(Array.from(p.data));
    const strip = (r: Record<string, unknown> | GrpoIterationLog) => {
      const { seconds: _s, time: _t, ...rest } = r as Record<string, unknown>;
      return rest;
    };
    expect([...dying.records, ...resumedLog.records].map(strip)).toEqual(fullLog.records.map(strip));
    expect(history.map(strip)).toEqual(fullLog.records.map(strip)); // the saved history came back too
    expect(fullLog.records[3].ptx_loss).toBeGreaterThan(0);
    expect(fullLog.records[3].kl).toBeGreaterThan(0); // the later iterations moved off the reference
  });
});
