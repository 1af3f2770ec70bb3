import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layers (README, "Code layout"), lowest first: a module may import its own folder, a folder
 * of the same rank, or any folder below — never one above. `util/` (RNG, stats, atomic writes,
 * config parsing) sits under everything.
 */
const RANK: Record<string, number> = {
  util: 0,
  kernels: 0,
  tensor: 1,
  optim: 2,
  model: 3,
  tokenizer: 3,
  eval: 4,
  world: 4,
  data: 4,
  train: 5,
  feedback: 6,
  pipeline: 7,
  recipes: 7,
  bench: 7,
  cli: 8,
  web: 8,
};

const SRC = dirname(fileURLToPath(import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The top folder under src/ of a path, or null for src/ itself. */
function topFolder(path: string): string | null {
  const parts = relative(SRC, path).split('/');
  return parts.length > 1 ? parts[0] : null;
}

describe('layers', () => {
  it('every folder under src/ has a rank', () => {
    const folders = readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.filter((f) => !(f in RANK))).toEqual([]);
  });

  it('no module imports a layer above its own (test helpers aside)', () => {
    const upward: string[] = [];
    for (const file of sourceFiles(SRC)) {
      if (file.includes('/test-helpers/')) continue;
      const from = topFolder(file);
      if (from === null) continue;
      for (const m of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
        const to = topFolder(normalize(join(dirname(file), m[1])));
        if (to !== null && to !== from && RANK[to] > RANK[from])
          upward.push(`${relative(SRC, file)} imports ${m[1]}`);
      }
    }
    expect(upward).toEqual([]);
  });
});
