import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadModel } from '../model/checkpoint.js';
import { readLlama2cCheckpoint } from '../model/llama2c-checkpoint.js';
import { Transformer } from '../model/transformer.js';
import * as T from '../tensor/index.js';
import { encodeChat } from '../tokenizer/chat-template.js';
import { Rng } from '../util/rng.js';
import { CliError } from './errors.js';
import { run } from './export.js';
import { capture } from './test-helpers/capture.js';

const base = join(dirname(fileURLToPath(import.meta.url)), '../../models/assistant-base');
const tmp = () => mkdtempSync(join(tmpdir(), 'rein-export-cli-'));

afterEach(() => {
  vi.restoreAllMocks();
});

function logits(model: Transformer, ids: number[]): Float32Array {
  return T.noGrad(() => model.logits({ ids: Int32Array.from(ids), B: 1, T: ids.length })).data;
}

describe('rein export', () => {
  const original = loadModel(base);
  const rng = new Rng(1);
  const ids = Array.from({ length: 40 }, () => rng.int(original.model.config.vocabSize));

  it('--format hf: the shipped base becomes a folder that loads back to the same model and tokenizer', async () => {
    const out = join(tmp(), 'assistant-base-hf');
    const lines = await capture(run, ['--model', base, '--format', 'hf', '--out', out]);
    expect(lines[0]).toMatch(/exported the llama model .* as a Hugging Face folder/);
    expect(readdirSync(out).sort()).toEqual([
      'config.json',
      'generation_config.json',
      'model.safetensors',
      'special_tokens_map.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    const back = loadModel(out);
    expect(back.format).toBe('hf');
    expect(logits(back.model, ids)).toEqual(logits(original.model, ids));
    // the folder's tokenizer.json is read by @huggingface/tokenizers (rein's HfTokenizer)
    expect(back.tokenizer?.kind).toBe('hf');
    const text = 'User asks: what is 2+2? 答案是四。 🎉';
    expect(back.tokenizer!.encode(text)).toEqual(original.tokenizer!.encode(text));
    expect(encodeChat(back.tokenizer!, 'Hello?', 'Hi!').ids).toEqual(
      encodeChat(original.tokenizer!, 'Hello?', 'Hi!').ids,
    );
    const config = JSON.parse(readFileSync(join(out, 'tokenizer_config.json'), 'utf8'));
    expect(config.chat_template).toContain('<|assistant|>');
  });

  it('--format llama2c: the shipped base as a .bin, reloaded with identical logits; the tokenizer is not', async () => {
    const out = join(tmp(), 'assistant-base.bin');
    const lines = await capture(run, ['--model', base, '--format', 'llama2c', '--out', out]);
    expect(lines.join('\n')).toMatch(/rein-bpe tokenizer has no llama2\.c form: only the model is written/);
    const { config, weights } = readLlama2cCheckpoint(out);
    expect(logits(Transformer.fromWeights(config, weights), ids)).toEqual(logits(original.model, ids));
  });

  it('an existing --out is refused unless --force', async () => {
    const out = join(tmp(), 'x');
    await capture(run, ['--model', base, '--format', 'hf', '--out', out, '--no-tokenizer']);
    expect(readdirSync(out)).not.toContain('tokenizer.json');
    await expect(capture(run, ['--model', base, '--format', 'hf', '--out', out])).rejects.toThrow(
      /x already exists; pass --force to replace it/,
    );
    await capture(run, ['--model', base, '--format', 'hf', '--out', out, '--force']);
    expect(readdirSync(out)).toContain('tokenizer.json');
  });

  it('bad input gives one clear message, and writes nothing', async () => {
    const parent = tmp();
    const out = join(parent, 'o');
    const fails = async (argv: string[], message: RegExp) => {
      const p = capture(run, argv);
      await expect(p).rejects.toThrow(CliError);
      await expect(p).rejects.toThrow(message);
    };
    await fails(['--format', 'hf', '--out', out], /--model is required/);
    await fails(['--model', base, '--out', out], /--format is required/);
    await fails(['--model', base, '--format', 'hf'], /--out is required/);
    await fails(
      ['--model', base, '--format', 'onnx', '--out', out],
      /--format must be hf or llama2c, got 'onnx'/,
    );
    await fails(
      ['--model', base, '--format', 'hf', '--out', out, '--dtype', 'f16'],
      /Unknown option '--dtype'/,
    );
    await fails(
      ['--model', join(parent, 'nope'), '--format', 'hf', '--out', out],
      /nope: no such model file or folder/,
    );
    await fails(
      ['--model', base, '--format', 'llama2c', '--out', out, '--no-tokenizer'],
      /--no-tokenizer applies to --format hf only/,
    );
    await fails(
      ['--model', base, '--format', 'hf', '--out', out, '--tokenizer-out', join(parent, 't.bin')],
      /--tokenizer-out applies to --format llama2c only/,
    );
    await fails(
      ['--model', base, '--format', 'llama2c', '--out', out, '--tokenizer-out', join(parent, 't.bin')],
      /rein-bpe tokenizer cannot be written in llama2\.c's tokenizer format/,
    );
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('--help prints the usage', async () => {
    const lines = await capture(run, ['--help']);
    expect(lines.join('\n')).toMatch(/usage: rein export --model PATH --format hf\|llama2c --out PATH/);
  });
});
