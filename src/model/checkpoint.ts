/**
 * rein's own checkpoints, and one loader for every model format rein reads.
 *
 * A rein checkpoint is a folder:
 *   config.json        {"format": "rein-checkpoint", "version": 1, "model": <ModelConfig>, "tokenizer": <file>|null, "meta": {…}}
 *   model.safetensors  every weight under rein's names (config.ts), float32
 *   tokenizer.json | tokenizer.bin (+ tokenizer_config.json)   the tokenizer's own files
 * The folder is written whole into a temporary sibling and renamed into place, so a crash leaves
 * the previous checkpoint or the new one, never a mixture.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { loadTokenizer } from '../tokenizer/load.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { writeOutputAtomically } from '../util/atomic-output.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { configToJson, ModelConfigSchema, resolveModelConfig } from './config.js';
import { readHfFolder } from './hf-folder.js';
import { type LoadedWeights, readLlama2cCheckpoint } from './llama2c-checkpoint.js';
import { encodeSafetensors, readSafetensors } from './safetensors.js';
import { Transformer } from './transformer.js';

const CheckpointConfigSchema = z.strictObject({
  format: z.literal('rein-checkpoint'),
  version: z.literal(1),
  model: ModelConfigSchema,
  tokenizer: z.string().nullable(),
  meta: z.record(z.string(), z.unknown()).default({}),
});

export type ModelFormat = 'rein' | 'hf' | 'llama2c';

export interface LoadedModel {
  model: Transformer;
  /** The tokenizer found with the model (or given), null when there is none. */
  tokenizer: Tokenizer | null;
  format: ModelFormat;
  /** Free-form facts saved with a rein checkpoint (training step, method, …). */
  meta: Record<string, unknown>;
}

/** Writes a rein checkpoint folder atomically (replacing an older checkpoint at `dir`). */
export function saveCheckpoint(
  dir: string,
  model: Transformer,
  tokenizer: Tokenizer | null,
  meta: Record<string, unknown> = {},
): void {
  writeOutputAtomically(dir, { kind: 'folder', replace: true }, (tmp) =>
    writeCheckpointFiles(tmp, model, tokenizer, meta),
  );
}

/**
 * The files of a rein checkpoint, written into `folder` (an empty one: saveCheckpoint's, or a
 * caller's that swaps the folder into place itself).
 */
export function writeCheckpointFiles(
  folder: string,
  model: Transformer,
  tokenizer: Tokenizer | null,
  meta: Record<string, unknown>,
): void {
  // the file holds W alone: adapters would be lost without a word
  if (model.lora !== null)
    throw new Error(
      'writeCheckpointFiles: the model has LoRA adapters attached; merge them first (mergeLora)',
    );
  const files = tokenizer?.files() ?? [];
  for (const f of files) writeFileAtomic(join(folder, f.name), f.data);
  writeFileAtomic(
    join(folder, 'model.safetensors'),
    encodeSafetensors(model.stateDict(), { format: 'pt', writer: 'rein' }),
  );
  const config = {
    format: 'rein-checkpoint',
    version: 1,
    model: configToJson(model.config),
    tokenizer: files[0]?.name ?? null,
    meta,
  };
  // config.json last: a folder with it is complete
  writeFileAtomic(join(folder, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
}

/**
 * Loads a model from a rein checkpoint folder, a Hugging Face folder, or a llama2.c `.bin`, with
 * its tokenizer (from `tokenizerPath`, else the one stored with the model when there is one).
 */
export function loadModel(path: string, tokenizerPath?: string | null): LoadedModel {
  if (!existsSync(path)) throw new Error(`${path}: no such model file or folder`);
  // a training run's folder holds its checkpoint in model/ (beside log.jsonl and state/)
  if (
    statSync(path).isDirectory() &&
    !existsSync(join(path, 'config.json')) &&
    existsSync(join(path, 'model', 'config.json'))
  ) {
    path = join(path, 'model');
  }
  let loaded: LoadedWeights;
  let format: ModelFormat;
  let meta: Record<string, unknown> = {};
  let bundledTokenizer: string | null = null;
  if (statSync(path).isDirectory()) {
    const configFile = join(path, 'config.json');
    if (!existsSync(configFile)) throw new Error(`${path}: not a model folder (no config.json)`);
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(readFileSync(configFile, 'utf8'));
    } catch (e) {
      throw new Error(`${configFile}: not valid JSON (${(e as Error).message})`);
    }
    if (json.format === 'rein-checkpoint') {
      const parsed = CheckpointConfigSchema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(`${configFile}: field '${issue.path.join('.')}': ${issue.message}`);
      }
      const config = resolveModelConfig(parsed.data.model, configFile);
      const weightsFile = join(path, 'model.safetensors');
      if (!existsSync(weightsFile)) throw new Error(`${path}: rein checkpoint without model.safetensors`);
      loaded = { config, weights: readSafetensors(weightsFile).tensors };
      format = 'rein';
      meta = parsed.data.meta;
      if (parsed.data.tokenizer) bundledTokenizer = join(path, parsed.data.tokenizer);
    } else if (typeof json.model_type === 'string') {
      loaded = readHfFolder(path);
      format = 'hf';
      if (existsSync(join(path, 'tokenizer.json'))) bundledTokenizer = join(path, 'tokenizer.json');
    } else {
      throw new Error(
        `${configFile}: neither a rein checkpoint ("format") nor a Hugging Face config ("model_type")`,
      );
    }
  } else {
    loaded = readLlama2cCheckpoint(path);
    format = 'llama2c';
  }
  const weightsSource = format === 'rein' ? join(path, 'model.safetensors') : path;
  const model = Transformer.fromWeights(loaded.config, loaded.weights, weightsSource);
  const tokFile = tokenizerPath ?? bundledTokenizer;
  const tokenizer = tokFile ? loadTokenizer(tokFile, loaded.config.vocabSize) : null;
  return { model, tokenizer, format, meta };
}
