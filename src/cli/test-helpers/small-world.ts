import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** World config overrides for a world that builds in about a second (tests of the world's commands). */
export const SMALL_WORLD = {
  pretrainDialogues: 500,
  docRepeats: { fact: 1, arith: 0 },
  rankPerFamily: 10,
  rlPerFamily: 10,
  evalPerFamily: 10,
  demosPerFamily: 5,
};

/** Writes SMALL_WORLD into `dir` and returns its path, for `rein world build --config`. */
export function smallWorldConfig(dir: string): string {
  const file = join(dir, 'small-world.json');
  writeFileSync(file, JSON.stringify(SMALL_WORLD));
  return file;
}
