import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonl } from '../data/jsonl.js';
import { WORLD_FILES, WORLD_FORMAT } from './build.js';
import { DemoRecord, demoPrompt, WorldPrompt } from './records.js';

/** The prompt splits a command can be pointed at (`--split`). */
export const PROMPT_SPLITS = ['eval', 'rl', 'rank'] as const;
export type PromptSplit = (typeof PROMPT_SPLITS)[number];

/** Whether a string names a prompt split. */
export function isPromptSplit(name: string): name is PromptSplit {
  return (PROMPT_SPLITS as readonly string[]).includes(name);
}

/** The prompt splits of a world directory written by `writeWorld`. */
export interface WorldPrompts {
  dir: string;
  demos: DemoRecord[];
  rank: WorldPrompt[];
  rl: WorldPrompt[];
  eval: WorldPrompt[];
  /** Every prompt by id (demos as prompt records). */
  byId: Map<string, WorldPrompt>;
}

/** Reads a world's prompt splits (not the large pretraining corpus). Errors name the file and line. */
export function loadWorldPrompts(dir: string): WorldPrompts {
  const manifestPath = join(dir, WORLD_FILES.manifest);
  if (!existsSync(manifestPath))
    throw new Error(`${manifestPath}: not found — is '${dir}' a world directory (rein world build --out)?`);
  let manifest: { format?: unknown };
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (e) {
    throw new Error(`${manifestPath}: not valid JSON (${(e as Error).message})`);
  }
  if (manifest.format !== WORLD_FORMAT)
    throw new Error(
      `${manifestPath}: format is ${JSON.stringify(manifest.format)}, expected '${WORLD_FORMAT}'`,
    );
  const file = (name: string) => {
    const path = join(dir, name);
    if (!existsSync(path)) throw new Error(`${path}: not found`);
    return path;
  };
  const demos = readJsonl(file(WORLD_FILES.demos), DemoRecord);
  const rank = readJsonl(file(WORLD_FILES.rank), WorldPrompt);
  const rl = readJsonl(file(WORLD_FILES.rl), WorldPrompt);
  const ev = readJsonl(file(WORLD_FILES.eval), WorldPrompt);
  const byId = new Map<string, WorldPrompt>();
  for (const p of [...demos.map(demoPrompt), ...rank, ...rl, ...ev]) {
    if (byId.has(p.id)) throw new Error(`${dir}: prompt id '${p.id}' appears twice`);
    byId.set(p.id, p);
  }
  return { dir, demos, rank, rl, eval: ev, byId };
}
