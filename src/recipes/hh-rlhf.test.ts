/**
 * `rein recipe hh-rlhf` end to end at toy size on the real HH-RLHF file (seconds): it reads the
 * split, computes the baseline, pretrains, trains and keeps an RM, reports both figures, and its
 * reward model is one `rein rm eval` reads. The full-size figure is a benchmark, not this test.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { run as recipe } from '../cli/recipe.js';
import { run as rm } from '../cli/rm.js';
import { capture } from '../cli/test-helpers/capture.js';
import { loadModel } from '../model/checkpoint.js';
import { sharedFile } from '../tokenizer/shared-data.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const file = sharedFile('hh-rlhf', 'harmless-base-dev.jsonl.gz');
if (!file)
  console.warn('skipping the hh-rlhf recipe test: shared hh-rlhf/harmless-base-dev.jsonl.gz not found');

describe.skipIf(!file)('rein recipe hh-rlhf (toy size, real data)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rein-recipe-hh-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'run');
  const small = (
    '--trainPairs 120 --validationPairs 40 --tuneFraction 0.25 --vocabSize 400 --contextLength 48 ' +
    '--maxAnswerTokens 16 --dim 32 --layers 1 --heads 2 --pretrainSteps 8 --pretrainBatch 8 ' +
    '--rmEpochs 1 --rmBatchPairs 8 --evalsPerEpoch 2'
  ).split(' ');

  it('trains, evaluates the RM and the baseline on the last lines, and saves a usable RM', async () => {
    const lines = await capture(recipe, ['hh-rlhf', '--data', file!, '--out', out, ...small]);
    const last = JSON.parse(lines.at(-1)!);
    expect(Object.keys(last)).toEqual(['accuracy', 'n', 'baseline_accuracy']);
    expect(last.n).toBe(40);
    // a toy RM and a 120-pair baseline: near chance, but real numbers in range
    for (const a of [last.accuracy, last.baseline_accuracy]) {
      expect(a).toBeGreaterThanOrEqual(0.2);
      expect(a).toBeLessThanOrEqual(0.8);
    }
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(result).toMatchObject({ ...last, train_pairs: 120, tune_pairs: 30, rm_steps: 12 });
    expect(result.rm_best_step).toBeGreaterThan(0);
    for (const [a, [lo, hi]] of [
      [last.accuracy, result.accuracy_ci95],
      [last.baseline_accuracy, result.baseline_accuracy_ci95],
    ]) {
      expect(lo).toBeLessThanOrEqual(a);
      expect(hi).toBeGreaterThanOrEqual(a);
      expect(hi - lo).toBeGreaterThan(0.2); // 40 pairs say little
    }
    expect(result.tune_accuracy).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(result.pretrain_heldout_loss)).toBe(true);
    expect(result.pretrain_heldout_loss).toBeLessThan(Math.log(400)); // learned something from 8 steps
    expect(existsSync(join(out, 'base', 'config.json'))).toBe(true);
    const logLines = readFileSync(join(out, 'log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(logLines.filter((l) => l.event === 'done')).toHaveLength(1);
    expect(logLines.filter((l) => l.step !== undefined && l.tune_accuracy !== undefined)).toHaveLength(2);
    const { model } = loadModel(join(out, 'rm'));
    expect(model.hasScalarHead).toBe(true);
    expect(model.config.contextLength).toBe(48);
    // rein rm eval reads the recipe's RM on the same file
    const evalOut = JSON.parse(
      (await capture(rm, ['eval', '--model', join(out, 'rm'), '--data', file!])).at(-1)!,
    );
    expect(evalOut.accuracy).toBeGreaterThanOrEqual(0);
    expect(evalOut.accuracy).toBeLessThanOrEqual(1);
    expect(evalOut.n).toBeGreaterThan(0);
  });

  it("rein rm train and rm eval run on the real file (from the recipe's pretrained trunk)", async () => {
    const rm2 = join(dir, 'rm2');
    const trained = await capture(rm, [
      ...['train', '--data', file!, '--model', join(out, 'base'), '--out', rm2],
      ...'--epochs 0.02 --batchPrompts 8 --maxLength 48 --evalEvery 1000'.split(' '),
    ]);
    expect(trained.at(-1)).toMatch(/^rm train: \d+ steps; held-out pairwise accuracy 0\.\d+ on \d+ pairs/);
    const evalOut = JSON.parse((await capture(rm, ['eval', '--model', rm2, '--data', file!])).at(-1)!);
    expect(evalOut.n).toBe(1798); // every splittable line: long dialogues are cut from the front
  });

  it('names a file too short for the split, and an unknown recipe', async () => {
    await expect(
      capture(recipe, ['hh-rlhf', '--data', file!, '--out', join(dir, 'x'), '--trainPairs', '1700']),
    ).rejects.toThrow(/1800 lines, fewer than the 1700 training \+ 300 validation/);
    await expect(capture(recipe, ['nope'])).rejects.toThrow(/unknown recipe 'nope'/);
    await expect(capture(recipe, ['hh-rlhf', '--data', join(dir, 'absent.jsonl')])).rejects.toThrow(
      /--data .*absent\.jsonl/,
    );
    await expect(capture(recipe, ['hh-rlhf'])).rejects.toThrow(/--data is required/);
  });
});
