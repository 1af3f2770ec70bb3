import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

export interface AtomicOutputOptions {
  /** What `target` is: a folder that `build` fills, or a single file that `build` writes. */
  kind: 'folder' | 'file';
  /** Replace an existing `target` (swapped in whole at the end). Default false: refuse. */
  replace?: boolean;
}

/**
 * Produces an output (a checkpoint or export folder, a model file) so that `target` is either absent, or
 * the previous one, or the complete new one — never a half-written mixture: `build` writes into a
 * hidden temporary sibling (same file system, so the final rename is atomic), which is renamed
 * onto `target` only after `build` returned. On an error the temporary sibling is removed.
 * Returns the resolved target path.
 */
export function writeOutputAtomically(
  target: string,
  options: AtomicOutputOptions,
  build: (tmpPath: string) => void,
): string {
  const out = resolve(target);
  const refuse = () => {
    throw new Error(`${target} already exists (pass the replace option to overwrite it)`);
  };
  // checked before the work (fail fast) and again before the rename (it may have appeared since)
  if (existsSync(out) && !options.replace) refuse();
  const parent = dirname(out);
  mkdirSync(parent, { recursive: true });
  const stamp = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const tmp = join(parent, `.${basename(out)}.tmp-${stamp}`);
  try {
    if (options.kind === 'folder') mkdirSync(tmp);
    build(tmp);
    if (!existsSync(tmp)) throw new Error(`${target}: nothing was written`);
    if (existsSync(out)) {
      if (!options.replace) refuse();
      // move the old one aside first: a rename cannot replace a non-empty folder
      const old = join(parent, `.${basename(out)}.old-${stamp}`);
      renameSync(out, old);
      try {
        renameSync(tmp, out);
      } catch (e) {
        renameSync(old, out); // the previous output stays where it was
        throw e;
      }
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, out);
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return out;
}
