import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataFileError } from '../../data/jsonl.js';
import { fromPair, fromRanking } from '../reward/data.js';
import {
  detectFeedbackFormat,
  loadFeedbackData,
  mismatchPartners,
  splitByPrompt,
  unpairRankings,
} from './data.js';
import { weightAdvice } from './weight-advice.js';

const dir = mkdtempSync(join(tmpdir(), 'rein-kto-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function write(name: string, rows: unknown[]): string {
  const file = join(dir, name);
  writeFileSync(file, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  return file;
}

/** A ranking record of candidates a, b, c, d (texts A, B, C, D) ordered in `ordering`'s tiers. */
const ranking = (ordering: string[][]) => ({
  id: 'r1',
  round: 'toy',
  labeler: 'ann',
  prompt: { id: 'p1', text: 'hi?' },
  candidates: ['a', 'b', 'c', 'd'].map((id) => ({ id, text: id.toUpperCase() })),
  ordering,
  flags: {},
});
const labelled = (examples: { completion: string; desirable: boolean }[]) =>
  examples.map((e) => `${e.completion}${e.desirable ? '+' : '-'}`);

describe('unpairRankings', () => {
  it('keeps the answers that beat more than beat them, and those beaten more: a K = 4 ranking gives its ends', () => {
    expect(labelled(unpairRankings([fromRanking(ranking([['c'], ['a'], ['d'], ['b']]))]))).toEqual([
      'A+',
      'B-',
      'C+',
      'D-',
    ]);
    // a > {b, c} > d: b and c each beat d and lose to a, so they are left out
    expect(labelled(unpairRankings([fromRanking(ranking([['a'], ['b', 'c'], ['d']]))]))).toEqual([
      'A+',
      'D-',
    ]);
  });

  it('gives a pair its chosen answer as desirable and its rejected one as undesirable; an all-tie ranking nothing', () => {
    expect(unpairRankings([fromPair({ prompt: 'p', chosen: 'yes', rejected: 'no' })])).toEqual([
      { prompt: 'p', completion: 'yes', desirable: true },
      { prompt: 'p', completion: 'no', desirable: false },
    ]);
    expect(unpairRankings([fromRanking(ranking([['a', 'b', 'c', 'd']]))])).toEqual([]);
  });
});

describe('loadFeedbackData', () => {
  it('reads the unpaired format, told by completion and label, and unpairs every preference format', () => {
    const unpaired = write('unpaired.jsonl', [
      { prompt: 'hi?', completion: 'hello', label: true },
      { prompt: 'hi?', completion: 'go away', label: false },
    ]);
    const pairs = write('pairs.jsonl', [{ prompt: 'hi?', chosen: 'hello', rejected: 'go away' }]);
    const rankings = write('rankings.jsonl', [ranking([['b'], ['a'], ['c', 'd']])]);
    expect([unpaired, pairs, rankings].map(detectFeedbackFormat)).toEqual(['unpaired', 'pairs', 'rankings']);
    const both = [
      { prompt: 'hi?', completion: 'hello', desirable: true },
      { prompt: 'hi?', completion: 'go away', desirable: false },
    ];
    expect(loadFeedbackData(unpaired)).toEqual({ format: 'unpaired', examples: both, skipped: [] });
    expect(loadFeedbackData(pairs)).toEqual({ format: 'pairs', examples: both, skipped: [] });
    expect(labelled(loadFeedbackData(rankings).examples)).toEqual(['A+', 'B+', 'C-', 'D-']);
    // a named format overrides the detection, and its schema judges the lines
    expect(() => loadFeedbackData(pairs, 'unpaired')).toThrow(/pairs\.jsonl:1: field 'completion'/);
  });

  it('names the file, line and field it cannot read', () => {
    const bad = write('bad.jsonl', [
      { prompt: 'a', completion: 'b', label: true },
      { prompt: 'a', completion: 'c', label: 1 },
    ]);
    expect(() => loadFeedbackData(bad)).toThrow(DataFileError);
    expect(() => loadFeedbackData(bad)).toThrow(/bad\.jsonl:2: field 'label'/);
    expect(() => loadFeedbackData(write('odd.jsonl', [{ question: 'q' }]))).toThrow(
      /odd\.jsonl:1: cannot tell the format: expected an unpaired answer \{prompt, completion, label\}, a ranking record/,
    );
  });
});

describe('mismatchPartners', () => {
  const prompts = ['a', 'a', 'a', 'b', 'c', 'c', 'd', 'a', 'b', 'e'];

  it('never pairs an example with an answer to its own prompt, and is fixed for a seed', () => {
    for (const seed of [0, 1, 2, 3, 4]) {
      const partners = mismatchPartners(prompts, seed)!;
      expect(partners).toHaveLength(prompts.length);
      partners.forEach((j, i) => {
        expect(prompts[j]).not.toBe(prompts[i]);
      });
      expect(mismatchPartners(prompts, seed)).toEqual(partners);
    }
    expect(mismatchPartners(prompts, 1)).not.toEqual(mismatchPartners(prompts, 2));
  });

  it('pairs only the first `targets` examples, drawing on the rest as a pool; null with a single prompt', () => {
    // two held-out examples of one prompt borrow answers from the training examples after them
    const partners = mismatchPartners(['x', 'x', 'a', 'b', 'a'], 7, 2)!;
    expect(partners).toHaveLength(2);
    expect(partners.every((j) => j >= 2)).toBe(true);
    expect(mismatchPartners(['x', 'x', 'x'], 0)).toBeNull();
    expect(mismatchPartners([], 0)).toEqual([]);
  });
});

describe('splitByPrompt', () => {
  it('holds out whole prompts: no held-out prompt has an answer among the training examples', () => {
    const examples = ['a', 'b', 'a', 'c', 'd', 'b', 'e', 'a', 'f', 'g'].map((prompt, i) => ({
      prompt,
      completion: `${i}`,
      desirable: i % 2 === 0,
    }));
    const split = splitByPrompt(examples, 0.3, 1);
    expect([...split.train, ...split.heldout].sort((x, y) => x - y)).toEqual(examples.map((_, i) => i));
    const trainPrompts = new Set(split.train.map((i) => examples[i].prompt));
    const heldoutPrompts = new Set(split.heldout.map((i) => examples[i].prompt));
    expect(heldoutPrompts.size).toBe(2); // 30 % of the 7 prompts
    for (const p of heldoutPrompts) expect(trainPrompts.has(p)).toBe(false);
    expect(splitByPrompt(examples, 0.3, 1)).toEqual(split);
    expect(splitByPrompt(examples, 0, 1).heldout).toEqual([]);
  });
});

describe('weightAdvice', () => {
  const unit = { desirableWeight: 1, undesirableWeight: 1 };

  it('is silent when λ_D·n_D / (λ_U·n_U) is from 1 to 4/3', () => {
    expect(weightAdvice({ desirable: 100, undesirable: 100 }, unit)).toBeNull();
    expect(weightAdvice({ desirable: 130, undesirable: 100 }, unit)).toBeNull();
    expect(
      weightAdvice({ desirable: 25, undesirable: 100 }, { desirableWeight: 4, undesirableWeight: 1 }),
    ).toBeNull();
  });

  it('suggests weights that bring a lopsided set into the advised range', () => {
    const advice = weightAdvice({ desirable: 25, undesirable: 100 }, unit)!;
    expect(advice).toMatch(
      /25 desirable and 100 undesirable answers .* = 0\.250, where the KTO paper advises 1 to 4\/3/,
    );
    expect(advice).toMatch(/try --desirableWeight 4\.00 to 5\.33 or --undesirableWeight 0\.188 to 0\.250$/);
    for (const w of [
      { desirableWeight: 4, undesirableWeight: 1 },
      { desirableWeight: 5.33, undesirableWeight: 1 },
      { desirableWeight: 1, undesirableWeight: 0.188 },
      { desirableWeight: 1, undesirableWeight: 0.25 },
    ])
      expect(weightAdvice({ desirable: 25, undesirable: 100 }, w)).toBeNull();
    expect(weightAdvice({ desirable: 100, undesirable: 25 }, unit)).toMatch(/= 4\.00/);
    expect(weightAdvice({ desirable: 10, undesirable: 0 }, unit)).toMatch(/every answer is desirable/);
  });
});
