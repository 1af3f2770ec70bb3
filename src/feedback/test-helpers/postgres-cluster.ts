import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A throwaway PostgreSQL server for tests: `initdb` into a temp folder, `postgres` as a
 * child process on a free loopback port, removed again by `stop()`. Runs as the
 * `postgres` user when the tests run as root (the server refuses to run as root).
 *
 * fsync is off unless asked for: the durability under test is that of rein's server
 * process (which the tests kill), never of PostgreSQL itself, and fsync-free commits keep
 * the suite fast. Benchmarks pass `{ fsync: true }`.
 */
export interface PgCluster {
  /** A URL for a database in this cluster (default: postgres). */
  url(database?: string): string;
  /** Creates a fresh empty database and returns its URL. */
  freshDatabase(): Promise<string>;
  stop(): Promise<void>;
}

/** The folder with initdb/postgres, newest version first, or null. */
export function findPostgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'postgres')) && existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(root, versions[0], 'bin') : null;
}

/**
 * Why PostgreSQL tests cannot run here, or null when they can. Under CI (CI=true) a
 * missing server is an error, not a skip: CI installs it.
 */
export function postgresUnavailable(): string | null {
  if (findPostgresBin()) return null;
  const why =
    'PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (install: bash scripts/install-system-deps.sh)';
  if (process.env.CI === 'true') throw new Error(`CI=true but ${why}`);
  return why;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startPostgres(opts: { fsync?: boolean } = {}): Promise<PgCluster> {
  const bin = findPostgresBin();
  if (!bin) throw new Error('PostgreSQL binaries not found');
  const dir = mkdtempSync(join(tmpdir(), 'rein-pg-'));
  let ids: { uid: number; gid: number } | undefined;
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
    ids = { uid, gid };
  }
  const data = join(dir, 'data');
  execFileSync(
    join(bin, 'initdb'),
    ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync'],
    {
      stdio: 'pipe',
      ...ids,
    },
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    join(bin, 'postgres'),
    [
      '-D',
      data,
      '-k',
      dir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `fsync=${opts.fsync ? 'on' : 'off'}`,
      '-c',
      'max_connections=200',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], ...ids },
  );
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d.toString();
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT'); // "fast" shutdown: roll back open transactions and exit
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`postgres exited (${child.exitCode}) before accepting connections:\n${stderr}`);
    }
    const c = new pg.Client({ connectionString: url() });
    try {
      await c.connect();
      await c.end();
      break;
    } catch {
      await c.end().catch(() => undefined);
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`postgres did not accept connections within 30 s:\n${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  let n = 0;
  return {
    url,
    async freshDatabase() {
      const name = `t${process.pid}_${++n}`;
      const c = new pg.Client({ connectionString: url() });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
      return url(name);
    },
    stop,
  };
}
