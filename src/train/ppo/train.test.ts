import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng.js';
import type { RewardFunction } from '../common/reward-function.js';
import { toyRlTask } from '../test-helpers/fixtures.js';
import { expectSameSteps } from '../test-helpers/same-steps.js';
import { PpoConfig } from './config.js';
import { trainPpo } from './train.js';

/** The toy task's PPO settings: 8 iterations of 32 rollouts. */
const TOY = {
  iterations: 8,
  rolloutBatch: 32,
  minibatch: 16,
  ppoEpochs: 2,
  maxNew: 12,
  lr: 1e-3,
  valueLr: 2e-3,
  kl: { beta: 0.05 },
  saveEvery: 0,
};

describe('trainPpo', () => {
  it('raises the reward on a toy task, keeps KL finite, and logs every metric', () => {
    const { tok, sft, rm, prompts } = toyRlTask();
    const cfg = PpoConfig.parse({ ...TOY, out: mkdtempSync(join(tmpdir(), 'rein-ppo-')), evalEvery: 3 });
    const niceShare: number[] = [];
    const evaluatedAt: number[] = [];
    const seen: number[] = [];
    const history = trainPpo(
      { policy: sft.clone(), reference: sft, rewardModel: rm, value: rm.clone() },
      tok,
      prompts,
      cfg,
      {
        quiet: true,
        gold: (_rows, responses) => {
          const g = responses.map((r) => (r.startsWith('nice') ? 1 : 0));
          niceShare.push(g.reduce((a: number, b) => a + b, 0) / g.length);
          return g;
        },
        onEval: (iteration) => {
          evaluatedAt.push(iteration);
          return { heldout_check: iteration / 10 };
        },
        onIteration: (entry) => seen.push(entry.iteration),
      },
    );
    expect(history).toHaveLength(8);
    // the evaluation hook every evalEvery iterations and after the last; its metrics join the log line
    expect(evaluatedAt).toEqual([3, 6, 8]);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const first = history[0];
    const last = history[history.length - 1];
    for (const key of [
      'rm_score',
      'kl',
      'beta',
      'policy_loss',
      'value_loss',
      'clip_fraction',
      'approx_kl',
      'entropy',
      'response_length',
      'gold',
    ] as const) {
      expect(Number.isFinite(last[key])).toBe(true);
    }
    expect(last.rm_score).toBeGreaterThan((first.rm_score ?? Number.NaN) + 0.5);
    expect(last.function_reward).toBeUndefined();
    expect(niceShare[niceShare.length - 1]).toBeGreaterThan(Math.max(0.8, niceShare[0]));
    expect(last.kl).toBeGreaterThan(0);
  });
});

describe('trainPpo with a reward function', () => {
  const settings = { ...TOY, noEosPenalty: 0 };
  const out = () => mkdtempSync(join(tmpdir(), 'rein-ppo-fn-'));
  const nice: RewardFunction = (_rows, responses) => responses.map((r) => (r.startsWith('nice') ? 1 : 0));

  it('learns from the function alone, the value model starting from the policy with a fresh head', () => {
    const { tok, sft, prompts } = toyRlTask();
    const value = sft.clone({ scalarHead: 'fresh', rng: new Rng(5) });
    const history = trainPpo(
      { policy: sft.clone(), reference: sft, rewardModel: null, rewardFunction: nice, value },
      tok,
      prompts,
      PpoConfig.parse({ ...settings, out: out() }),
      { quiet: true },
    );
    const first = history[0].function_reward ?? Number.NaN;
    const last = history[history.length - 1].function_reward ?? Number.NaN;
    expect(history.every((h) => h.rm_score === undefined)).toBe(true);
    expect(last).toBeGreaterThan(Math.max(0.8, first + 0.2));
  });

  it('adds the function to the reward model: the same first rollouts, other rewards trained on', () => {
    const { tok, sft, rm, prompts } = toyRlTask();
    const cfg = PpoConfig.parse({ ...settings, iterations: 1, out: out() });
    const run = (rewardFunction?: RewardFunction) =>
      trainPpo(
        { policy: sft.clone(), reference: sft, rewardModel: rm, rewardFunction, value: rm.clone() },
        tok,
        prompts,
        cfg,
        { quiet: true },
      )[0];
    const alone = run();
    const both = run((rows, responses) => Array.from(nice(rows, responses), (x) => 3 * x));
    expect(both.rm_score).toBe(alone.rm_score);
    expect(both.function_reward).toBeGreaterThan(0);
    // the value model learned other returns: the sum's, not the RM's alone
    expect(both.value_loss).not.toBe(alone.value_loss);
  });
});

describe('trainPpo in micro-batches', () => {
  it('takes the steps of whole minibatches: token-weighted passes, PPO-ptx once a step', () => {
    const { tok, sft, rm, prompts } = toyRlTask();
    const ptx = prompts.slice(0, 6).map((p) => ({ ids: tok.encode(`${p} it is .`), responseStart: 0 }));
    const run = (microBatch: number) => {
      const cfg = PpoConfig.parse({
        out: mkdtempSync(join(tmpdir(), 'rein-ppo-micro-')),
        iterations: 2,
        rolloutBatch: 16,
        minibatch: 8,
        microBatch,
        ppoEpochs: 2,
        maxNew: 12,
        lr: 1e-3,
        valueLr: 2e-3,
        ptxCoef: 0.5,
        ptxBatch: 2,
        saveEvery: 0,
        evalEvery: 0,
      });
      const models = { policy: sft.clone(), reference: sft, rewardModel: rm, value: rm.clone() };
      return trainPpo(models, tok, prompts, cfg, { quiet: true }, ptx);
    };
    // passes of 3, 3 and 2 rollouts, whose responses differ in length
    expectSameSteps(run(0), run(3), [
      'rm_score',
      'kl',
      'policy_loss',
      'value_loss',
      'clip_fraction',
      'approx_kl',
      'ptx_loss',
    ]);
  });
});

describe('trainPpo with LoRA', () => {
  let task: ReturnType<typeof toyRlTask> | null = null;
  const run = (reference: 'copy' | 'none', lora: number) => {
    task ??= toyRlTask();
    const { tok, sft, rm, prompts } = task;
    const cfg = PpoConfig.parse({
      out: mkdtempSync(join(tmpdir(), 'rein-ppo-lora-')),
      iterations: 3,
      rolloutBatch: 16,
      minibatch: 8,
      ppoEpochs: 1,
      maxNew: 8,
      lr: 1e-2,
      kl: { beta: 0.1 },
      saveEvery: 0,
      evalEvery: 0,
      lora: { rank: lora },
    });
    const policy = sft.clone();
    const models = {
      policy,
      reference: reference === 'copy' ? sft.clone() : null,
      rewardModel: rm,
      value: rm.clone(),
    };
    const history = trainPpo(models, tok, prompts, cfg, { quiet: true });
    return { policy, history };
  };

  it('takes the reference from the policy with its adapters off: the run a separate SFT copy gives', () => {
    const shared = run('none', 4);
    const copied = run('copy', 4);
    expect(shared.history.map((h) => h.kl)).toEqual(copied.history.map((h) => h.kl));
    expect(shared.history[2].kl).not.toBe(0); // the policy moved: the KL compared two different models
    for (const [name, p] of shared.policy.params)
      expect(
        Buffer.from(p.data.buffer).equals(Buffer.from(copied.policy.params.get(name)!.data.buffer)),
        name,
      ).toBe(true);
  });

  it('refuses a run without a reference unless it has adapters to switch off', () => {
    expect(() => run('none', 0)).toThrow(/trainPpo: no reference model \(only a LoRA run may leave it out\)/);
  });
});
