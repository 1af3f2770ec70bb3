import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BpeTokenizer } from './bpe.js';
import { HfTokenizer } from './hf.js';
import { Llama2cTokenizer } from './llama2c.js';
import type { Tokenizer } from './tokenizer.js';

/**
 * Loads any tokenizer rein knows from a path:
 * - a llama2.c `.bin` file (`tok512.bin`, `tokenizer.bin`);
 * - a `tokenizer.json`: rein's BPE (`"type": "rein-bpe"`) or a Hugging Face one;
 * - a folder holding one of those (a rein checkpoint or a Hugging Face model folder).
 * `vocabSize`, when known from the model, is checked against the tokenizer.
 */
export function loadTokenizer(path: string, vocabSize?: number): Tokenizer {
  if (!existsSync(path)) throw new Error(`${path}: no such tokenizer file or folder`);
  if (statSync(path).isDirectory()) {
    for (const name of ['tokenizer.json', 'tokenizer.bin']) {
      const file = join(path, name);
      if (existsSync(file)) return loadTokenizer(file, vocabSize);
    }
    throw new Error(`${path}: folder has no tokenizer.json or tokenizer.bin`);
  }
  let tok: Tokenizer;
  const head = readFileSync(path).subarray(0, 64).toString('utf8').trimStart();
  if (head.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
    }
    const type = (json as { type?: unknown }).type;
    tok = type === 'rein-bpe' ? BpeTokenizer.fromJson(json, path) : HfTokenizer.load(path);
  } else {
    tok = Llama2cTokenizer.load(path, vocabSize);
  }
  if (vocabSize !== undefined && tok.vocabSize > vocabSize) {
    throw new Error(
      `${path}: tokenizer has ${tok.vocabSize} ids but the model's vocabulary is only ${vocabSize}`,
    );
  }
  return tok;
}
