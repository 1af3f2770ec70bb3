import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { saveCheckpoint } from '../model/checkpoint.js';
import { BpeTokenizer } from '../tokenizer/bpe.js';
import { tinyModel } from '../train/test-helpers/fixtures.js';
import { judge } from '../world/judge.js';
import { loadWorldPrompts } from '../world/load.js';
import { CliError } from './errors.js';
import { run as evaluate } from './eval.js';
import { smallWorldConfig } from './test-helpers/small-world.js';
import { run as world } from './world.js';

/** `rein eval` in-process on a small world and an untrained model: the table, the JSON and every answer. */
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rein-eval-cli-'));
  vi.spyOn(console, 'log').mockImplementation(() => {});
  vi.spyOn(console, 'error').mockImplementation(() => {});
  await world(['build', '--seed', '2', '--out', join(dir, 'w'), '--config', smallWorldConfig(dir)]);
  const texts = loadWorldPrompts(join(dir, 'w')).eval.map((p) => p.text);
  const tok = BpeTokenizer.train(texts, 300);
  saveCheckpoint(join(dir, 'model'), tinyModel(tok.vocabSize, 4), tok);
  saveCheckpoint(join(dir, 'other'), tinyModel(tok.vocabSize, 5), tok);
});
afterAll(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

describe('rein eval', () => {
  it('writes the report and every answer with its gold judgement', async () => {
    const answers = join(dir, 'answers.jsonl');
    const report = join(dir, 'report.json');
    const argv = ['--model', join(dir, 'model'), '--world', join(dir, 'w'), '--max-new', '6'];
    await evaluate([...argv, '--json', report, '--answers', answers]);
    const prompts = loadWorldPrompts(join(dir, 'w')).eval;
    const rows = readFileSync(answers, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => r.id)).toEqual(prompts.map((p) => p.id));
    rows.forEach((r, i) => {
      const j = judge(prompts[i], r.answer);
      expect(r).toEqual({
        model: join(dir, 'model'),
        id: prompts[i].id,
        sample: 0,
        family: prompts[i].family,
        lang: prompts[i].lang,
        prompt: prompts[i].text,
        answer: r.answer,
        labels: j.labels,
        gold: j.gold,
        correct: j.correct,
      });
    });
    const byModel = JSON.parse(readFileSync(report, 'utf8'));
    const gold = rows.reduce((a, r) => a + r.gold, 0) / rows.length;
    expect(byModel[join(dir, 'model')].gold_mean).toBeCloseTo(gold, 3);
    // the same seed samples the same answers
    const again = join(dir, 'again.jsonl');
    await evaluate([...argv, '--answers', again]);
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(answers, 'utf8'));
  });

  it('--samples N answers every prompt N times; later models are compared with the first', async () => {
    const answers = join(dir, 'answers2.jsonl');
    const report = join(dir, 'report2.json');
    const [model, other] = [join(dir, 'model'), join(dir, 'other')];
    const argv = ['--world', join(dir, 'w'), '--max-new', '6', '--samples', '2'];
    await evaluate(['--model', model, '--model', other, ...argv, '--json', report, '--answers', answers]);
    const prompts = loadWorldPrompts(join(dir, 'w')).eval;
    const rows = readFileSync(answers, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(2 * 2 * prompts.length);
    expect(rows.slice(0, 2 * prompts.length).map((r) => [r.id, r.sample])).toEqual(
      [0, 1].flatMap((k) => prompts.map((p) => [p.id, k])),
    );
    const byModel = JSON.parse(readFileSync(report, 'utf8'));
    expect(byModel[model].n).toBe(2 * prompts.length);
    expect(byModel[model].vs_first).toBeUndefined();
    const vs = byModel[other].vs_first;
    expect(vs.model).toBe(model);
    expect(vs.win_rate.wins + vs.win_rate.losses + vs.win_rate.ties).toBe(2 * prompts.length);
    expect(vs.kl).toEqual(expect.any(Number));
    expect(vs.kl).not.toBe(0);
  });

  it('a model compared with itself ties everywhere at KL 0', async () => {
    const report = join(dir, 'self.json');
    const model = join(dir, 'model');
    const copy = join(dir, 'model-copy');
    const { cpSync } = await import('node:fs');
    cpSync(model, copy, { recursive: true });
    await evaluate([
      '--model',
      model,
      '--model',
      copy,
      '--world',
      join(dir, 'w'),
      '--max-new',
      '6',
      '--json',
      report,
    ]);
    const vs = JSON.parse(readFileSync(report, 'utf8'))[copy].vs_first;
    expect(vs.win_rate.wins).toBe(0);
    expect(vs.win_rate.losses).toBe(0);
    expect(vs.win_rate.rate).toBe(0.5);
    expect(vs.kl).toBe(0);
  });

  it('names what is missing or wrong', async () => {
    await expect(evaluate(['--world', join(dir, 'w')])).rejects.toThrow(CliError);
    await expect(evaluate(['--model', join(dir, 'nope'), '--world', join(dir, 'w')])).rejects.toThrow(
      /no such model/,
    );
    await expect(
      evaluate(['--model', join(dir, 'model'), '--world', join(dir, 'w'), '--split', 'demos']),
    ).rejects.toThrow("--split must be one of eval, rl, rank, not 'demos'");
    await expect(
      evaluate(['--model', join(dir, 'model'), '--model', join(dir, 'model'), '--world', join(dir, 'w')]),
    ).rejects.toThrow(/is given twice/);
    await expect(evaluate(['--world', join(dir, 'w'), '--bogus'])).rejects.toThrow(
      /^eval: Unknown option '--bogus'.*\n\nusage: rein eval/s,
    );
  });
});
