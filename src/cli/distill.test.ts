/** `rein distill` end to end at toy sizes: a checkpoint out, its log, and the inputs it refuses. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadModel, saveCheckpoint } from '../model/checkpoint.js';
import { resolveModelConfig } from '../model/config.js';
import { Transformer } from '../model/transformer.js';
import { BpeTokenizer } from '../tokenizer/bpe.js';
import { tinyModel, toyDemos, toyTokenizer } from '../train/test-helpers/fixtures.js';
import { Rng } from '../util/rng.js';
import { run as distill } from './distill.js';
import { CliError } from './errors.js';
import { capture } from './test-helpers/capture.js';

afterEach(() => {
  vi.restoreAllMocks();
});

let root: string;
const f = (name: string) => join(root, name);
const jsonl = (rows: unknown[]) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'rein-cli-distill-'));
  const tok = toyTokenizer();
  saveCheckpoint(f('teacher'), tinyModel(tok.vocabSize, 1), tok);
  const small = resolveModelConfig({
    arch: 'llama',
    vocabSize: tok.vocabSize,
    contextLength: 64,
    nLayers: 1,
    dim: 16,
    nHeads: 2,
  });
  saveCheckpoint(f('student'), Transformer.init(small, new Rng(2)), tok);
  saveCheckpoint(f('padded'), tinyModel(tok.vocabSize + 8, 4), tok); // a vocabulary padded past the tokenizer's
  const other = BpeTokenizer.train('a completely different corpus of words', 280);
  saveCheckpoint(f('stranger'), tinyModel(other.vocabSize, 3), other);
  writeFileSync(
    f('chats.jsonl'),
    jsonl(
      toyDemos(24).map((d) => ({
        messages: [
          { role: 'user', content: d.prompt },
          { role: 'assistant', content: d.response },
        ],
      })),
    ),
  );
});

describe('rein distill', () => {
  it('writes the student checkpoint, a log of each step and whose answers it learned on', async () => {
    const out = await capture(distill, [
      ...['--data', f('chats.jsonl'), '--teacher', f('teacher'), '--model', f('student'), '--out', f('run')],
      ...[
        '--steps',
        '8',
        '--batchSize',
        '4',
        '--lmbda',
        '0.5',
        '--seqKd',
        '--maxNew',
        '6',
        '--evalEvery',
        '4',
      ],
    ]);
    expect(out.at(-1)).toMatch(
      /^distill: 8 steps \(\d on the student's own answers\), 0\.\d\d M → 0\.\d\d M parameters; final divergence \d\.\d{4}, held-out \d\.\d{4} → /,
    );
    const { model, meta } = loadModel(f('run'));
    expect(model.config.dim).toBe(16);
    expect(meta.method).toBe('distill');
    expect(meta.teacher).toBe(f('teacher'));
    const log = readFileSync(join(f('run'), 'log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(log.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(new Set(log.map((r) => r.answers))).toEqual(new Set(['student', 'teacher']));
    expect(log.filter((r) => 'heldout_loss' in r).map((r) => r.step)).toEqual([4, 8]);
    for (const r of log) expect(r.loss).toBeGreaterThan(0);
  });

  it('refuses models that read text differently or predict other vocabularies, and a missing option', async () => {
    await expect(
      capture(distill, [
        '--data',
        f('chats.jsonl'),
        '--teacher',
        f('stranger'),
        '--model',
        f('student'),
        '--out',
        f('x'),
      ]),
    ).rejects.toThrow(/^distill: --teacher .*stranger and --model .*student use different tokenizers/);
    await expect(
      capture(distill, [
        '--data',
        f('chats.jsonl'),
        '--teacher',
        f('padded'),
        '--model',
        f('student'),
        '--out',
        f('y'),
      ]),
    ).rejects.toThrow(
      /predicts \d+ tokens and --model .*student \d+: distillation compares their distributions/,
    );
    await expect(capture(distill, ['--data', f('chats.jsonl'), '--model', f('student')])).rejects.toThrow(
      CliError,
    );
    await expect(capture(distill, ['--data', f('chats.jsonl'), '--model', f('student')])).rejects.toThrow(
      /--teacher/,
    );
  });
});
