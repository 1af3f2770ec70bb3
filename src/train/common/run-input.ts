/**
 * The inputs of a training command — checkpoints and data files a user names on the command line —
 * with errors that name the option and the file, and the test of which failures are the user's
 * (printed as one line by the CLI) rather than bugs (printed with a stack).
 */
import { existsSync } from 'node:fs';
import { DataFileError } from '../../data/jsonl.js';
import { type LoadedModel, loadModel } from '../../model/checkpoint.js';
import type { Transformer } from '../../model/transformer.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import { ConfigError } from '../../util/config.js';
import { NonFiniteError } from './run-log.js';

/** A missing or unusable input (file, checkpoint, output folder): the message says which and why. */
export class RunInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunInputError';
  }
}

/** Failures caused by what the user gave (bad options, files, data) or by training diverging. */
export function isExpectedFailure(e: unknown): e is Error {
  return (
    e instanceof RunInputError ||
    e instanceof ConfigError ||
    e instanceof DataFileError ||
    e instanceof NonFiniteError
  );
}

/** A model with its tokenizer, loaded from the path given to `--option`. */
export interface LoadedCheckpoint {
  model: Transformer;
  tok: Tokenizer;
  meta: Record<string, unknown>;
}

/**
 * Loads a checkpoint (rein folder, Hugging Face folder or llama2.c `.bin` with `tokenizerPath`) for
 * `--option`; a missing or unreadable one, or one without a tokenizer, is a RunInputError naming it.
 */
export function loadCheckpointFor(
  option: string,
  path: string,
  tokenizerPath: string | null = null,
): LoadedCheckpoint {
  let loaded: LoadedModel;
  try {
    loaded = loadModel(path, tokenizerPath || null);
  } catch (e) {
    throw new RunInputError(`--${option} ${path}: cannot load the model: ${(e as Error).message}`);
  }
  if (loaded.tokenizer === null)
    throw new RunInputError(`--${option} ${path}: no tokenizer is stored with this model (give --tokenizer)`);
  return { model: loaded.model, tok: loaded.tokenizer, meta: loaded.meta };
}

/** Reads the file given to `--option` with `read`; a missing file is a RunInputError naming both. */
export function readInputFile<R>(option: string, file: string, read: (file: string) => R): R {
  if (!existsSync(file)) throw new RunInputError(`--${option} ${file}: no such file`);
  try {
    return read(file);
  } catch (e) {
    if (isExpectedFailure(e)) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new RunInputError(`--${option} ${file}: ${(e as Error).message}`);
    throw e;
  }
}

/** The same tokenizer for two models (policy and RM must read text identically): compares their files. */
export function assertSameTokenizer(a: Tokenizer, aName: string, b: Tokenizer, bName: string): void {
  const same =
    a.vocabSize === b.vocabSize &&
    a.kind === b.kind &&
    JSON.stringify(a.files().map((f) => [f.name, Buffer.from(f.data).toString('base64')])) ===
      JSON.stringify(b.files().map((f) => [f.name, Buffer.from(f.data).toString('base64')]));
  if (!same)
    throw new RunInputError(
      `${aName} and ${bName} use different tokenizers (${a.kind}, ${a.vocabSize} ids vs ${b.kind}, ${b.vocabSize} ids): both must come from the same base model`,
    );
}
