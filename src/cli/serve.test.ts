import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/** `rein serve` as a real process: it answers, and SIGTERM/SIGINT stop it cleanly. */
const dir = mkdtempSync(join(tmpdir(), 'rein-serve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function startServe(db: string) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      fileURLToPath(new URL('../feedback/test-helpers/register-ts.mjs', import.meta.url)),
      fileURLToPath(new URL('./main.ts', import.meta.url)),
      'serve',
      '--db',
      db,
      '--port',
      '0',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d) => {
    out += d.toString();
  });
  child.stderr.on('data', (d) => {
    out += d.toString();
  });
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`rein serve exited ${code}:\n${out}`)));
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, url, exit, output: () => out };
}

describe('rein serve', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`stops cleanly on ${signal}, closing the database`, async () => {
      const db = join(dir, `${signal}.db`);
      const s = startServe(db);
      const url = await s.url;
      const res = await fetch(`${url}/api/health`);
      expect(await res.json()).toEqual({ ok: true });
      expect((await fetch(`${url}/`)).headers.get('content-type')).toMatch(/text\/html/);
      expect(existsSync(`${db}-wal`)).toBe(true); // open in WAL mode
      s.child.kill(signal);
      expect(await s.exit).toBe(0);
      expect(s.output()).toMatch(
        new RegExp(`${signal}, finishing in-flight requests…\\nrein serve: stopped`),
      );
      // A clean close checkpoints the WAL into the database and removes it.
      expect(existsSync(`${db}-wal`)).toBe(false);
    });
  }
});

describe('rein serve options', () => {
  it('refuses a task timeout that is not a positive number of minutes up to a year, before opening anything', async () => {
    const { run } = await import('./serve.js');
    const db = join(dir, 'never.db');
    for (const bad of ['0', '-5', 'soon', 'Infinity', '1e300', '525601'].map((v) => `--task-timeout=${v}`))
      await expect(run(['--db', db, bad])).rejects.toThrow(
        /--task-timeout must be a positive number of minutes up to 525600/,
      );
    expect(existsSync(db)).toBe(false);
  });
});
