/**
 * A LoRA run's adapter, saved beside the merged checkpoint so it can be looked at and reused:
 *   adapter.json         {"format": "rein-lora", "version": 1, "base": <checkpoint trained on>,
 *                         "rank", "alpha", "targets", "dropout", "projections", "modulesToSave"}
 *   adapter.safetensors  every A and B (`layers.0.attn.q.lora_A.weight`, …), and the weights
 *                        trained whole beside them (a reward model's scalar head)
 * `base` plus these files rebuild the trained model: load the base, attachLora(model,
 * adapter.options, adapter.weights), and take a reward model's head from the weights.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { LoraAdapters, LoraOptions } from './lora.js';
import { encodeSafetensors, type NamedArray, readSafetensors } from './safetensors.js';
import type { Transformer } from './transformer.js';

export const ADAPTER_CONFIG_FILE = 'adapter.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter.safetensors';

const AdapterConfigSchema = z.object({
  format: z.literal('rein-lora'),
  version: z.literal(1),
  base: z.string(),
  rank: z.number().int().positive(),
  alpha: z.number().positive(),
  targets: z.array(z.string()).min(1),
  dropout: z.number().min(0).max(1).default(0), // absent from files written before it was an option
});

/**
 * Writes adapter.safetensors and adapter.json of `lora` (trained on `model`, whose scalar head, if it
 * has one, trained too) into `folder`, each atomically; `base` names the checkpoint trained on.
 */
export function writeAdapterFiles(
  folder: string,
  lora: LoraAdapters,
  model: Transformer,
  base: string,
): void {
  const weights = new Map<string, NamedArray>();
  for (const [name, t] of lora.params()) weights.set(name, { shape: t.shape.slice(), data: t.data });
  for (const [name, t] of model.params)
    if (name.startsWith('scalar_head')) weights.set(name, { shape: t.shape.slice(), data: t.data });
  writeFileAtomic(
    join(folder, ADAPTER_WEIGHTS_FILE),
    encodeSafetensors(weights, { format: 'pt', writer: 'rein' }),
  );
  const config = {
    format: 'rein-lora',
    version: 1,
    base,
    rank: lora.options.rank,
    alpha: lora.options.alpha,
    targets: lora.options.targets,
    dropout: lora.options.dropout ?? 0,
    projections: [...lora.byProjection.keys()],
    modulesToSave: model.hasScalarHead ? ['scalar_head'] : [],
  };
  writeFileAtomic(join(folder, ADAPTER_CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
}

/** The adapter saved in `folder`: its options for attachLora, the base it was trained on, its weights. */
export function readAdapterFiles(folder: string): {
  options: LoraOptions;
  base: string;
  weights: Map<string, NamedArray>;
} {
  const configFile = join(folder, ADAPTER_CONFIG_FILE);
  if (!existsSync(configFile))
    throw new Error(`${folder}: no ${ADAPTER_CONFIG_FILE} (not a LoRA run's output)`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(configFile, 'utf8'));
  } catch (e) {
    throw new Error(`${configFile}: not valid JSON (${(e as Error).message})`);
  }
  const parsed = AdapterConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${configFile}: field '${issue.path.join('.')}': ${issue.message}`);
  }
  const { base, rank, alpha, targets, dropout } = parsed.data;
  return {
    options: { rank, alpha, targets, dropout },
    base,
    weights: readSafetensors(join(folder, ADAPTER_WEIGHTS_FILE)).tensors,
  };
}
