import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transformer } from '../../model/transformer.js';
import type { RunLog } from '../common/run-log.js';
import { toyRlTask } from '../test-helpers/fixtures.js';
import { IterationLog } from '../test-helpers/run-logs.js';
import { expectSameSteps } from '../test-helpers/same-steps.js';
import { OnlineDpoConfig } from './config.js';
import { type OnlineDpoIterationLog, trainOnlineDpo } from './train.js';

let task: ReturnType<typeof toyRlTask>;
beforeAll(() => {
  task = toyRlTask();
});

const made: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(join(tmpdir(), 'rein-online-dpo-'));
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
const small = { promptsPerIteration: 8, groupSize: 2, batchPairs: 8, maxNew: 12, lr: 1e-3, beta: 0.5 };

const niceShareOf = (responses: readonly string[]) =>
  responses.filter((r) => r.startsWith('nice')).length / responses.length;

describe('trainOnlineDpo', () => {
  it('raises the reward on a toy task, pairs each prompt once, and logs every metric', () => {
    const { tok, sft, rm, prompts } = task;
    const cfg = OnlineDpoConfig.parse({ ...small, out: tmp(), iterations: 10, saveEvery: 0 });
    const niceShare: number[] = [];
    const rowsSeen: number[][] = [];
    const history = trainOnlineDpo(
      { policy: sft.clone(), reference: sft, rewardModel: rm },
      tok,
      prompts,
      cfg,
      {
        quiet: true,
        gold: (rows, responses) => {
          rowsSeen.push([...rows]);
          niceShare.push(niceShareOf(responses));
          return responses.map((r) => (r.startsWith('nice') ? 1 : 0));
        },
      },
    );
    expect(history).toHaveLength(10);
    // 8 prompts, each answered twice in adjacent rows
    for (const rows of rowsSeen) {
      expect(rows).toHaveLength(16);
      expect(rows.every((r, i) => r === rows[i - (i % 2)])).toBe(true);
    }
    const first = history[0];
    const last = history[history.length - 1];
    for (const key of [
      'rm_score',
      'kl',
      'score_gap',
      'loss',
      'margin',
      'accuracy',
      'chosen_reward',
      'rejected_reward',
      'entropy',
      'response_length',
      'no_eos_fraction',
      'gold',
    ] as const)
      expect(Number.isFinite(last[key])).toBe(true);
    // before its first step the policy is the reference: h = 0 on every pair, the loss log 2
    expect(first.kl).toBeCloseTo(0, 5); // the sampler's log-probs against a pass's: rounding only
    expect(first.pairs).toBeGreaterThan(0);
    expect(first.pairs).toBeLessThanOrEqual(8);
    expect(first.score_gap).toBeGreaterThan(0);
    expect(first.margin).toBeCloseTo(0, 4);
    expect(first.loss).toBeCloseTo(Math.log(2), 4);
    expect(last.rm_score).toBeGreaterThan((first.rm_score ?? Number.NaN) + 0.5);
    expect(niceShare[niceShare.length - 1]).toBeGreaterThan(Math.max(0.8, niceShare[0]));
    expect(last.kl).toBeGreaterThan(0);
    expect(history.some((h) => (h.margin ?? 0) > 0.05)).toBe(true);
  });

  it('orders its pairs by a reward function alone, and learns from them', () => {
    const { tok, sft, prompts } = task;
    const cfg = OnlineDpoConfig.parse({
      ...small,
      out: tmp(),
      iterations: 10,
      saveEvery: 0,
      noEosPenalty: 0,
    });
    const nice = (_rows: readonly number[], responses: readonly string[]) =>
      responses.map((r) => (r.startsWith('nice') ? 1 : 0));
    const history = trainOnlineDpo(
      { policy: sft.clone(), reference: sft, rewardModel: null, rewardFunction: nice },
      tok,
      prompts,
      cfg,
      { quiet: true },
    );
    const first = history[0].function_reward ?? Number.NaN;
    const last = history[history.length - 1].function_reward ?? Number.NaN;
    expect(history.every((h) => h.rm_score === undefined)).toBe(true);
    // a pair only where the function tells the two answers apart: a gap of exactly 1
    expect(history.filter((h) => h.pairs > 0).every((h) => h.score_gap === 1)).toBe(true);
    expect(last).toBeGreaterThan(Math.max(0.8, first + 0.2));
  });

  it('with IPO, the first step regresses h = 0 to 1/(2β): the loss is 1/(2β)²', () => {
    const { tok, sft, rm, prompts } = task;
    const beta = 0.5;
    const cfg = OnlineDpoConfig.parse({
      ...small,
      out: tmp(),
      iterations: 1,
      saveEvery: 0,
      lossType: 'ipo',
      beta,
    });
    const [h] = trainOnlineDpo({ policy: sft.clone(), reference: sft, rewardModel: rm }, tok, prompts, cfg, {
      quiet: true,
    });
    expect(h.loss).toBeCloseTo(1 / (2 * beta) ** 2, 4);
  });

  it('leaves the policy as it was when every answer scores the same: no pair, no step', () => {
    const { tok, sft, rm, prompts } = task;
    const flat = rm.clone();
    flat.params.get('scalar_head.weight')!.data.fill(0); // every answer scores the bias alone
    const policy = sft.clone();
    const cfg = OnlineDpoConfig.parse({ ...small, out: tmp(), iterations: 2, saveEvery: 0, noEosPenalty: 0 });
    const history = trainOnlineDpo({ policy, reference: sft, rewardModel: flat }, tok, prompts, cfg, {
      quiet: true,
    });
    for (const h of history) {
      expect(h.pairs).toBe(0);
      expect(h.loss).toBeUndefined();
      expect(h.kl).toBeCloseTo(0, 5);
    }
    for (const [name, p] of sft.params)
      expect(Array.from(policy.params.get(name)!.data)).toEqual(Array.from(p.data));
  });

  it('stops at the first non-finite score, naming the iteration, and logs it', () => {
    const { tok, sft, rm, prompts } = task;
    const broken = rm.clone();
    broken.params.get('scalar_head.bias')!.data.fill(Number.NaN);
    const log = new IterationLog();
    const cfg = OnlineDpoConfig.parse({ ...small, out: tmp(), iterations: 2 });
    expect(() =>
      trainOnlineDpo({ policy: sft.clone(), reference: sft, rewardModel: broken }, tok, prompts, cfg, {
        quiet: true,
        log,
      }),
    ).toThrow(/training stopped at step 1: rm_score is NaN/);
    expect(log.records).toEqual([{ iteration: 1, rm_score: Number.NaN }]);
  });

  it('refuses a run without a reference unless it trains LoRA adapters', () => {
    const { tok, sft, rm, prompts } = task;
    const cfg = OnlineDpoConfig.parse({ ...small, out: tmp(), iterations: 1 });
    expect(() =>
      trainOnlineDpo({ policy: sft.clone(), reference: null, rewardModel: rm }, tok, prompts, cfg, {
        quiet: true,
      }),
    ).toThrow(/no reference model \(only a LoRA run may leave it out\)/);
    expect(() => OnlineDpoConfig.parse({ lossType: 'ipo', labelSmoothing: 0.1 })).toThrow(
      /sigmoid and robust losses only/,
    );
  });

  it('a run killed after a save and resumed ends with the weights and log of an uninterrupted run', () => {
    const { tok, sft, rm, prompts } = task;
    const base = {
      ...small,
      batchPairs: 3,
      epochs: 2,
      iterations: 4,
      saveEvery: 2,
      ptxCoef: 0.5,
      ptxBatch: 2,
    };
    const ptx = prompts.slice(0, 6).map((p) => ({ ids: tok.encode(`${p} it is .`), responseStart: 0 }));
    const run = (policy: Transformer, out: string, log: RunLog, resume = false) =>
      trainOnlineDpo(
        { policy, reference: sft, rewardModel: rm },
        tok,
        prompts,
        OnlineDpoConfig.parse({ ...base, out, resume }),
        { quiet: true, log },
        ptx,
      );
    const full = sft.clone();
    const fullLog = new IterationLog();
    run(full, tmp(), fullLog);

    const out = tmp();
    expect(() => run(sft.clone(), out, new IterationLog(3))).toThrow('killed'); // its last save was after 2
    const resumed = sft.clone();
    const resumedLog = new IterationLog();
    const history = run(resumed, out, resumedLog, true);
    expect(resumedLog.records.map((r) => r.iteration)).toEqual([3, 4]);
    for (const [name, p] of full.params)
      expect(Array.from(resumed.params.get(name)!.data)).toEqual(Array.from(p.data));
    const strip = (r: Record<string, unknown> | OnlineDpoIterationLog) => {
      const { seconds: _s, time: _t, ...rest } = r as Record<string, unknown>;
      return rest;
    };
    expect(history.map(strip)).toEqual(fullLog.records.map(strip));
    expect(fullLog.records[3].ptx_loss).toBeGreaterThan(0);
  });

  it('in micro-batches takes the steps of whole batches of pairs, PPO-ptx once a step', () => {
    const { tok, sft, rm, prompts } = task;
    const ptx = prompts.slice(0, 6).map((p) => ({ ids: tok.encode(`${p} it is .`), responseStart: 0 }));
    const run = (microBatch: number) => {
      const cfg = OnlineDpoConfig.parse({
        ...small,
        groupSize: 4,
        promptsPerIteration: 16,
        out: tmp(),
        iterations: 2,
        microBatch,
        ptxCoef: 0.5,
        ptxBatch: 2,
        saveEvery: 0,
        evalEvery: 0,
      });
      const models = { policy: sft.clone(), reference: sft, rewardModel: rm };
      return trainOnlineDpo(models, tok, prompts, cfg, { quiet: true }, ptx);
    };
    // (not the accuracy: at the first step the policy is its reference, every margin is 0 up to the
    // last bits of its pass's packing, and the share of margins above 0 is a coin toss)
    expectSameSteps(run(0), run(3), ['rm_score', 'kl', 'pairs', 'loss', 'margin', 'ptx_loss']);
  });
});
