/**
 * Resumable training state: everything a killed run needs to continue exactly where its last
 * save left it — the trained model's weights, the optimiser's moments and step, and the
 * trainer's own counters — in `DIR/state/`.
 *
 * Atomicity: the weight files carry the step in their names and are each written atomically;
 * `state.json`, written last (also atomically), names them. A run killed mid-save leaves the
 * previous state.json pointing at complete files, so resuming never reads a half-written state.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../data/atomic-write.js';
import { readSafetensors, writeSafetensors } from '../../model/safetensors.js';
import type { Transformer } from '../../model/transformer.js';
import type { AdamW } from '../../optim/index.js';

interface StateFile<E> {
  step: number;
  model: string;
  optimizer: string;
  extra: E;
}

export function stateDir(outDir: string): string {
  return join(outDir, 'state');
}

/** Saves the state after `step` completed optimiser steps; `extra` is the trainer's JSON (counters, β, rng). */
export function saveTrainState<E>(
  outDir: string,
  step: number,
  model: Transformer,
  opt: AdamW,
  extra: E,
): void {
  const dir = stateDir(outDir);
  mkdirSync(dir, { recursive: true });
  const modelFile = `model-${step}.safetensors`;
  const optFile = `optimizer-${step}.safetensors`;
  writeSafetensors(join(dir, modelFile), model.stateDict());
  const o = opt.stateDict();
  const moments: [string, { shape: number[]; data: Float32Array }][] = [];
  for (const [name, m] of o.m) moments.push([`m.${name}`, { shape: [m.length], data: m }]);
  for (const [name, v] of o.v) moments.push([`v.${name}`, { shape: [v.length], data: v }]);
  writeSafetensors(join(dir, optFile), moments, { step: String(o.step) });
  const state: StateFile<E> = { step, model: modelFile, optimizer: optFile, extra };
  writeFileAtomic(join(dir, 'state.json'), `${JSON.stringify(state)}\n`);
  for (const f of readdirSync(dir)) {
    if (f.endsWith('.safetensors') && f !== modelFile && f !== optFile) rmSync(join(dir, f), { force: true });
  }
}

/**
 * Restores model weights and optimiser state saved by saveTrainState; returns the step and the
 * trainer's extra JSON, or null when `outDir` holds no state.
 */
export function loadTrainState<E>(
  outDir: string,
  model: Transformer,
  opt: AdamW,
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
  const weights = readSafetensors(join(dir, state.model)).tensors;
  for (const [name, p] of model.params) {
    const w = weights.get(name);
    if (!w || w.data.length !== p.size)
      throw new Error(`${join(dir, state.model)}: weight '${name}' is missing or of another shape`);
    p.data.set(w.data);
  }
  const moments = readSafetensors(join(dir, state.optimizer));
  const m = new Map<string, Float32Array>();
  const v = new Map<string, Float32Array>();
  for (const [key, t] of moments.tensors) {
    if (key.startsWith('m.')) m.set(key.slice(2), Float32Array.from(t.data));
    else if (key.startsWith('v.')) v.set(key.slice(2), Float32Array.from(t.data));
  }
  opt.loadStateDict({ step: Number(moments.metadata.step ?? state.step), m, v });
  return { step: state.step, extra: state.extra };
}
