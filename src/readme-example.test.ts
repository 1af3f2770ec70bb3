/**
 * The README's library example, run as written (with `'rein'` pointing at this source tree):
 * SFT through the public API lowers the shipped base model's harmful rate on held-out prompts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';

const SRC = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(SRC);
const work = mkdtempSync(join(tmpdir(), 'rein-readme-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The ```ts block under the README's "rein as a library" heading. */
function libraryExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split('\n## rein as a library\n')[1];
  const code = section?.match(/```ts\n([\s\S]*?)```/)?.[1];
  if (!code) throw new Error('README.md: no ```ts block under "## rein as a library"');
  return code;
}

describe('README: rein as a library', () => {
  it('imports only what src/index.ts exports, and its SFT lowers the harmful rate', async () => {
    const code = libraryExample();
    const imported = code
      .match(/import \{([^}]*)\} from 'rein';/)?.[1]
      .split(',')
      .map((s) => s.trim());
    const api = await import('./index.js');
    for (const name of imported ?? []) expect(api, name).toHaveProperty(name);

    const file = join(work, 'example.ts');
    writeFileSync(
      file,
      code
        .replace("from 'rein'", `from ${JSON.stringify(join(SRC, 'index.ts'))}`)
        .replace("'models/assistant-base'", JSON.stringify(join(ROOT, 'models', 'assistant-base'))),
    );
    const printed: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void printed.push(line));
    try {
      await import(file);
    } finally {
      log.mockRestore();
    }
    const m = printed.join('\n').match(/^harmful (\d\.\d+|\d) → (\d\.\d+|\d)$/);
    expect(m, printed.join('\n')).not.toBeNull();
    const [before, after] = [Number(m?.[1]), Number(m?.[2])];
    expect(before).toBeGreaterThan(0.25); // the base model complies with harmful requests
    expect(after).toBeLessThan(before / 2);
  }, 120_000);
});
