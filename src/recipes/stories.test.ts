/**
 * `rein recipe stories` at toy size on the real stories260K model (seconds): openings, rankings
 * written as valid ranking records, an RM, PPO iterations, before/after figures and samples. The
 * full-size run (gold up, KL bounded) is a benchmark, not this test.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { run as recipe } from '../cli/recipe.js';
import { readJsonl } from '../data/jsonl.js';
import { RankingRecord } from '../data/ranking.js';
import { loadModel } from '../model/checkpoint.js';
import { sharedFile } from '../tokenizer/shared-data.js';
import { firstSentence } from './stories.js';

describe('firstSentence', () => {
  it('cuts after the first sentence end, and refuses fragments', () => {
    expect(firstSentence(' Once upon a time, there was a cat. It was big.')).toBe(
      'Once upon a time, there was a cat.',
    );
    expect(firstSentence('Tom said hi to Sue! Then he left.')).toBe('Tom said hi to Sue!');
    expect(firstSentence('Mr. Big')).toBeNull();
    expect(firstSentence('no end here at all')).toBeNull();
    expect(firstSentence('Too short.')).toBeNull();
    expect(firstSentence('First line without end\nSecond line ends here.')).toBeNull();
  });
});

const model = sharedFile('llama2c', 'stories260K.bin');
const tokenizer = sharedFile('llama2c', 'tok512.bin');
if (!model || !tokenizer)
  console.warn('skipping the stories recipe test: shared llama2c/stories260K.bin or tok512.bin not found');

describe.skipIf(!model || !tokenizer)('rein recipe stories (toy size, real model)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rein-recipe-stories-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('ranks, trains an RM, runs PPO and reports gold and KL before and after', async () => {
    const out = join(dir, 'run');
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
      lines.push(a.join(' '));
    });
    vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const small = (
      '--trainOpenings 6 --evalOpenings 3 --candidates 3 --rankingsPerOpening 1 --labelers 2 ' +
      '--continuationTokens 12 --rmEpochs 1 --rmBatchRankings 3 --ppoIterations 2 --ppoRolloutBatch 6 ' +
      '--ppoMinibatch 6 --ppoEpochs 1 --evalSamples 2'
    ).split(' ');
    await recipe(['stories', '--model', model!, '--tokenizer', tokenizer!, '--out', out, ...small]);
    const last = JSON.parse(lines.at(-1)!);
    expect(Object.keys(last)).toEqual(['gold_before', 'gold_after', 'kl', 'rm_gold_accuracy']);
    for (const v of [last.gold_before, last.gold_after, last.kl]) expect(Number.isFinite(v)).toBe(true);
    expect(Math.abs(last.gold_before)).toBeLessThan(10); // per-word valence ×10: a few points at most
    const records = readJsonl(join(out, 'rankings.jsonl'), RankingRecord);
    expect(records).toHaveLength(6);
    expect(new Set(records.map((r) => r.labeler))).toEqual(new Set(['simulated-0', 'simulated-1']));
    for (const r of records) {
      expect(r.candidates).toHaveLength(3);
      expect(r.ordering.flat().sort()).toEqual(['c0', 'c1', 'c2']);
    }
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(result).toMatchObject({ ...last, rankings: 6, eval_continuations: 6, ppo_iterations: 2 });
    expect(result.labeler_gold_accuracy).toBeGreaterThan(0.5); // noise below the gold's spread
    expect(readFileSync(join(out, 'samples.md'), 'utf8')).toMatch(/\*\*before\*\* \(gold -?\d/);
    expect(loadModel(join(out, 'rm')).model.hasScalarHead).toBe(true);
    expect(existsSync(join(out, 'policy', 'config.json'))).toBe(true);
  });

  it('names a context too small for opening and continuation', async () => {
    await expect(
      recipe([
        'stories',
        '--model',
        model!,
        '--tokenizer',
        tokenizer!,
        '--out',
        join(dir, 'x'),
        '--continuationTokens',
        '500',
      ]),
    ).rejects.toThrow(/do not fit the model's context of 512/);
    await expect(recipe(['stories'])).rejects.toThrow(/--model is required/);
  });
});
