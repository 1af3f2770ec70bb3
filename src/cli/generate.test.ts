import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { saveCheckpoint } from '../model/checkpoint.js';
import { resolveModelConfig } from '../model/config.js';
import { Transformer } from '../model/transformer.js';
import { BpeTokenizer } from '../tokenizer/bpe.js';
import { sharedFile } from '../tokenizer/shared-data.js';
import { Rng } from '../util/rng.js';
import { CliError } from './errors.js';
import { run } from './generate.js';

/** Runs the command and returns what it printed to stdout. */
async function capture(argv: string[]): Promise<string[]> {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    lines.push(a.join(' '));
  });
  vi.spyOn(console, 'error').mockImplementation(() => {});
  await run(argv);
  return lines;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('rein generate', () => {
  const tok = BpeTokenizer.train('the cat sat on the mat. the dog sat on the log. '.repeat(20), 300);
  const model = Transformer.init(
    resolveModelConfig({
      arch: 'gpt',
      vocabSize: tok.vocabSize,
      contextLength: 64,
      nLayers: 1,
      dim: 16,
      nHeads: 2,
    }),
    new Rng(3),
  );
  const dir = join(mkdtempSync(join(tmpdir(), 'rein-gen-')), 'ckpt');
  saveCheckpoint(dir, model, tok);

  /** The JSON answer of `rein generate --chat --prompt` (6 new tokens) from the model in `ckpt`. */
  const single = async (ckpt: string, prompt: string, seed: number) =>
    JSON.parse(
      (
        await capture([
          '--model',
          ckpt,
          '--chat',
          '--prompt',
          prompt,
          '--max-new',
          '6',
          '--seed',
          `${seed}`,
          '--json',
        ])
      ).at(-1)!,
    );

  /** The JSON lines a chat session on `input` prints (`rein generate --chat --json` and `flags`). */
  async function session(flags: string[], input: string[]): Promise<Record<string, unknown>[]> {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
      lines.push(a.join(' '));
    });
    vi.spyOn(console, 'error').mockImplementation(() => {});
    await run([...flags, '--chat', '--max-new', '6', '--json'], Readable.from(input));
    vi.restoreAllMocks();
    return lines.map((l) => JSON.parse(l));
  }

  it('prints JSON with the generated ids and their text, reproducibly per seed', async () => {
    const a = await capture([
      '--model',
      dir,
      '--prompt',
      'the cat',
      '--max-new',
      '12',
      '--seed',
      '5',
      '--json',
    ]);
    const last = JSON.parse(a[a.length - 1]);
    expect(last.ids.length).toBeGreaterThan(0);
    expect(last.ids.length).toBeLessThanOrEqual(12);
    const body = last.ids[last.ids.length - 1] === tok.eosId ? last.ids.slice(0, -1) : last.ids;
    expect(last.text).toBe(tok.decode(body));
    const b = await capture([
      '--model',
      dir,
      '--prompt',
      'the cat',
      '--max-new',
      '12',
      '--seed',
      '5',
      '--json',
    ]);
    expect(b[b.length - 1]).toBe(a[a.length - 1]);
  });

  it('wraps the prompt in the chat template with --chat', async () => {
    const out = await capture([
      '--model',
      dir,
      '--prompt',
      'hi',
      '--chat',
      '--greedy',
      '--max-new',
      '5',
      '--json',
    ]);
    expect(JSON.parse(out[out.length - 1]).ids.length).toBeGreaterThan(0);
  });

  it('--chat without --prompt answers each line of its input on its own, question i with seed + i', async () => {
    const answers = await session(
      ['--model', dir, '--seed', '3'],
      ['the cat\n', '\n', '  the dog sat  \n', 'the log'],
    );
    expect(answers.map((a) => a.prompt)).toEqual(['the cat', 'the dog sat', 'the log']); // the blank line skipped
    const expected = [
      await single(dir, 'the cat', 3),
      await single(dir, 'the dog sat', 4),
      await single(dir, 'the log', 5),
    ];
    expect(answers.map(({ ids, text }) => ({ ids, text }))).toEqual(expected);
  });

  it('--history answers each question after the conversation so far, dropping the oldest exchanges to fit', async () => {
    // a longer context than the suite's model: a few exchanges fit, not all eight
    const long = join(mkdtempSync(join(tmpdir(), 'rein-gen-')), 'ckpt');
    const config = resolveModelConfig({
      arch: 'gpt',
      vocabSize: tok.vocabSize,
      contextLength: 192,
      nLayers: 1,
      dim: 16,
      nHeads: 2,
    });
    saveCheckpoint(long, Transformer.init(config, new Rng(4)), tok);
    const questions = Array.from({ length: 8 }, (_, i) =>
      i % 2 ? 'the dog sat on the log' : 'the cat sat on the mat',
    );
    const answers = await session(
      ['--model', long, '--history', '--system', 'be kind', '--seed', '3'],
      questions.map((q) => `${q}\n`),
    );
    expect(answers.map((a) => a.prompt)).toEqual(questions);
    const seen = answers.map((a) => a.earlier_exchanges as number);
    expect(seen.slice(0, 2)).toEqual([0, 1]);
    expect(Math.max(...seen)).toBeGreaterThan(1);
    expect(Math.max(...seen)).toBeLessThan(7); // a 192-token context cannot hold them all
    for (let i = 0; i < answers.length; i++) {
      const earlier = Array.from({ length: seen[i] }, (_, k) => i - seen[i] + k).flatMap((j) => [
        `User: ${questions[j]}`,
        `Assistant: ${answers[j].text}`,
      ]);
      const prompt = ['System: be kind', ...earlier, `User: ${questions[i]}`].join('\n\n');
      expect({ ids: answers[i].ids, text: answers[i].text }).toEqual(await single(long, prompt, 3 + i));
    }
    await expect(capture(['--model', dir, '--history'])).rejects.toThrow(
      /--history and --system need --chat/,
    );
    await expect(capture(['--model', dir, '--chat', '--history', '--prompt', 'x'])).rejects.toThrow(
      /leave out --prompt/,
    );
  });

  it('reports bad flags and files as CLI errors', async () => {
    await expect(capture(['--prompt', 'x'])).rejects.toThrow(/--model is required/);
    await expect(capture(['--model', dir, '--greedy', '--temperature', '0.5'])).rejects.toThrow(
      /cannot be combined/,
    );
    await expect(capture(['--model', dir, '--top-p', '2'])).rejects.toThrow(/--top-p must be in/);
    await expect(capture(['--model', join(dir, 'nope')])).rejects.toBeInstanceOf(CliError);
    await expect(capture(['--model', dir, '--bogus'])).rejects.toThrow(/Unknown option/);
  });

  const bin = sharedFile('llama2c', 'stories260K.bin');
  const tok512 = sharedFile('llama2c', 'tok512.bin');
  it.skipIf(!bin || !tok512)(
    'greedy stories260K from BOS prints the golden story start (shared data)',
    async () => {
      const out = await capture([
        '--model',
        bin!,
        '--tokenizer',
        tok512!,
        '--greedy',
        '--max-new',
        '20',
        '--json',
      ]);
      const last = JSON.parse(out[out.length - 1]);
      expect(last.ids.slice(0, 4)).toEqual([403, 407, 261, 378]);
      expect(last.text.startsWith('Once upon a time')).toBe(true);
      await expect(capture(['--model', bin!])).rejects.toThrow(/give one with --tokenizer/);
    },
  );
});
