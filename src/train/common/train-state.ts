/**
 * Resumable training state: everything a killed run needs to continue exactly where its last
 * save left it — the trained model's trainable weights (all of them, or with LoRA its adapters and
 * head: the frozen rest is the starting checkpoint's), the optimiser's moments and step, and the
 * trainer's own counters — in `DIR/state/`.
 *
 * Atomicity: the weight files carry the step in their names and are each written atomically;
 * `state.json`, written last (also atomically), names them. A run killed mid-save leaves the
 * previous state.json pointing at complete files, so resuming never reads a half-written state.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type NamedArray, readSafetensors, writeSafetensors } from '../../model/safetensors.js';
import type { Transformer } from '../../model/transformer.js';
import type { AdamW } from '../../optim/index.js';
import { writeFileAtomic } from '../../util/atomic-write.js';

/** One trained model and its optimiser (PPO has two: the policy and the value model). */
export interface TrainedPart {
  name: string;
  model: Transformer;
  opt: AdamW;
}

interface StateFile<E> {
  step: number;
  /** Part name → its weight and optimiser files, and (LoRA) the fingerprint of its frozen weights. */
  parts: Record<string, { model: string; optimizer: string; frozen?: string }>;
  extra: E;
}

export function stateDir(outDir: string): string {
  return join(outDir, 'state');
}

/** Saves the state after `step` completed steps; `extra` is the trainer's JSON (counters, β, …). */
export function saveTrainState<E>(
  outDir: string,
  step: number,
  parts: readonly TrainedPart[],
  extra: E,
): void {
  const dir = stateDir(outDir);
  mkdirSync(dir, { recursive: true });
  const files: StateFile<E>['parts'] = {};
  for (const { name, model, opt } of parts) {
    const frozen = frozenFingerprint(model);
    const entry = {
      model: `${name}-model-${step}.safetensors`,
      optimizer: `${name}-optimizer-${step}.safetensors`,
      ...(frozen === null ? {} : { frozen }),
    };
    const weights = new Map<string, NamedArray>();
    for (const [n, t] of model.trainableParams()) weights.set(n, { shape: t.shape.slice(), data: t.data });
    writeSafetensors(join(dir, entry.model), weights);
    const o = opt.stateDict();
    const moments: [string, { shape: number[]; data: Float32Array }][] = [];
    for (const [n, m] of o.m) moments.push([`m.${n}`, { shape: [m.length], data: m }]);
    for (const [n, v] of o.v) moments.push([`v.${n}`, { shape: [v.length], data: v }]);
    writeSafetensors(join(dir, entry.optimizer), moments, { step: String(o.step) });
    files[name] = entry;
  }
  const state: StateFile<E> = { step, parts: files, extra };
  writeFileAtomic(join(dir, 'state.json'), `${JSON.stringify(state)}\n`);
  const current = new Set(Object.values(files).flatMap((f) => [f.model, f.optimizer]));
  for (const f of readdirSync(dir)) {
    if (f.endsWith('.safetensors') && !current.has(f)) rmSync(join(dir, f), { force: true });
  }
}

/**
 * Restores the weights and optimiser states saved by saveTrainState into `parts` (matched by
 * name); returns the step and the trainer's extra JSON, or null when `outDir` holds no state.
 */
export function loadTrainState<E>(
  outDir: string,
  parts: readonly TrainedPart[],
): { step: number; extra: E } | null {
  const dir = stateDir(outDir);
  const file = join(dir, 'state.json');
  if (!existsSync(file)) return null;
  let state: StateFile<E>;
  try {
    state = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not a readable training state (${(e as Error).message})`);
  }
  for (const { name, model, opt } of parts) {
    const entry = state.parts?.[name];
    if (!entry) throw new Error(`${file}: no saved state for '${name}'`);
    if (entry.frozen !== undefined && entry.frozen !== frozenFingerprint(model))
      throw new Error(
        `${file}: '${name}' was saved with only its trainable weights, and the frozen ones it was trained on differ from the model given now (another or a changed starting checkpoint); resume from the checkpoint the run started from`,
      );
    const weightsFile = join(dir, entry.model);
    const weights = readSafetensors(weightsFile).tensors;
    for (const [pname, p] of model.trainableParams()) {
      const w = weights.get(pname);
      if (!w || w.data.length !== p.size)
        throw new Error(`${weightsFile}: weight '${pname}' is missing or of another shape`);
      p.data.set(w.data);
    }
    const momentsFile = join(dir, entry.optimizer);
    const moments = readSafetensors(momentsFile);
    const m = new Map<string, Float32Array>();
    const v = new Map<string, Float32Array>();
    for (const [key, t] of moments.tensors) {
      if (key.startsWith('m.')) m.set(key.slice(2), Float32Array.from(t.data));
      else if (key.startsWith('v.')) v.set(key.slice(2), Float32Array.from(t.data));
    }
    const step = Number(moments.metadata.step ?? state.step);
    if (!(Number.isInteger(step) && step >= 0))
      throw new Error(`${momentsFile}: optimiser step '${moments.metadata.step}' is not a whole number`);
    try {
      opt.loadStateDict({ step, m, v });
    } catch (e) {
      throw new Error(`${momentsFile}: ${(e as Error).message}`);
    }
  }
  return { step: state.step, extra: state.extra };
}

/**
 * SHA-256 of the weights a part does not train (name, shape and bytes, in name order), or null when
 * it trains them all. A LoRA run saves only its adapters, so a resume must start from the same
 * frozen base: this is how it knows.
 */
function frozenFingerprint(model: Transformer): string | null {
  const trained = model.trainableParams();
  const frozen = [...model.params]
    .filter(([n]) => !trained.has(n))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (frozen.length === 0) return null;
  const hash = createHash('sha256');
  for (const [n, t] of frozen) {
    hash.update(`${n}:${t.shape.join('x')};`);
    hash.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return hash.digest('hex');
}
