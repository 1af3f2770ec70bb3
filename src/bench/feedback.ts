/**
 * `rein bench feedback`: many labelers submitting rankings at once to a real `rein
 * serve` child process on loopback — and, with `kill`, the server SIGKILLed mid-run and
 * restarted while the clients retry. Afterwards the database is checked directly:
 * every acknowledged ranking must be stored exactly once, none partially.
 *
 * Each client does what the web page does: ask for its next task, rank it, POST the
 * ranking with a submission id chosen once, and on a network error or 5xx send the very
 * same request again until it is acknowledged.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { orderingProblem } from '../data/ranking.js';
import { openStore } from '../feedback/db/open.js';
import { hashToken, newToken } from '../feedback/tokens.js';

export interface FeedbackBenchOptions {
  /** Database URL; must hold no rounds yet (a temp SQLite file when omitted). */
  db?: string;
  labelers: number;
  /** Rankings per labeler. */
  submissions: number;
  /** SIGKILL the server once this share of all rankings is acknowledged, then restart it. */
  kill: boolean;
  killAt?: number;
  /** Candidates per prompt (K). */
  k?: number;
  /** How to start `rein serve` (default: this package's compiled CLI). */
  serverCommand?: { command: string; args: string[] };
  log?: (line: string) => void;
}

export interface FeedbackBenchResult {
  acknowledged: number;
  stored: number;
  lost: number;
  duplicates: number;
  partial: number;
  rankings_per_s: number;
  p99_ms: number;
  /** p99 of the time from first attempt to acknowledgement (retries across a kill included). */
  p99_with_retries_ms: number;
  p50_ms: number;
  retries: number;
  kills: number;
  db: string;
  labelers: number;
  submissions: number;
}

/** The compiled CLI next to this module (dist/cli/main.js), or null when running from source. */
export function defaultServerCommand(): { command: string; args: string[] } | null {
  const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  return existsSync(main) ? { command: process.execPath, args: [main] } : null;
}

class ServerProcess {
  child: ChildProcess | null = null;
  port = 0;
  private stderr = '';
  constructor(
    private readonly cmd: { command: string; args: string[] },
    private readonly db: string,
  ) {}

  /** Starts `rein serve` and resolves with its port once it prints its listening line. */
  start(): Promise<number> {
    this.stderr = '';
    const child = spawn(
      this.cmd.command,
      [...this.cmd.args, 'serve', '--db', this.db, '--port', String(this.port)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    child.stderr!.on('data', (d) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    return new Promise((resolve, reject) => {
      let out = '';
      const onData = (d: Buffer) => {
        out += d.toString();
        const m = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
        if (m) {
          child.stdout!.off('data', onData);
          child.stdout!.resume();
          this.port = Number(m[1]);
          resolve(this.port);
        }
      };
      child.stdout!.on('data', onData);
      child.once('exit', (code, signal) =>
        reject(new Error(`rein serve exited (${code ?? signal}) before listening:\n${this.stderr}`)),
      );
    });
  }

  /** Sends a signal and waits for the process to exit. */
  async stop(signal: NodeJS.Signals): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await exited;
  }
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** A tiny seeded PRNG so each client's rankings are reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function runFeedbackBench(o: FeedbackBenchOptions): Promise<FeedbackBenchResult> {
  const log = o.log ?? (() => undefined);
  const K = o.k ?? 4;
  const cmd = o.serverCommand ?? defaultServerCommand();
  if (!cmd) throw new Error('bench feedback: dist/cli/main.js is missing — run `npm run build` first');
  let tmp: string | null = null;
  const db = o.db ?? join((tmp = mkdtempSync(join(tmpdir(), 'rein-bench-feedback-'))), 'feedback.db');
  const total = o.labelers * o.submissions;

  // ---- set up: one round, total prompts × K candidates, the labelers --------------------
  const tokens: string[] = [];
  {
    const store = await openStore(db);
    try {
      if ((await store.listRounds()).length > 0) {
        throw new Error(
          'bench feedback: the database already has rounds; give it an empty database (it checks every row it finds)',
        );
      }
      await store.createRound({ name: 'bench', focus: 'benchmark', labelersPerPrompt: 1 });
      const prompts = Array.from({ length: total }, (_, i) => ({
        id: `b${i}`,
        text: `Benchmark prompt ${i}: which answer is best?`,
        candidates: Array.from({ length: K }, (_, j) => ({
          text: `Candidate ${j} for prompt ${i}. `.repeat(4),
        })),
      }));
      for (let i = 0; i < prompts.length; i += 2000)
        await store.addPrompts('bench', prompts.slice(i, i + 2000));
      for (let l = 0; l < o.labelers; l++) {
        const t = newToken();
        await store.addLabeler({ name: `bench-${l}`, role: 'labeler', tokenHash: hashToken(t) });
        tokens.push(t);
      }
    } finally {
      await store.close();
    }
  }
  log(
    `set up ${total} prompts × ${K} candidates and ${o.labelers} labelers in ${db.startsWith('postgres') ? 'postgres' : 'sqlite'}`,
  );

  const server = new ServerProcess(cmd, db);
  await server.start();
  const base = () => `http://127.0.0.1:${server.port}`;
  log(`rein serve up on port ${server.port}`);

  // ---- the clients --------------------------------------------------------------------
  const acked = new Map<string, string>(); // submission id → assignment id
  const latencies: number[] = [];
  const fullLatencies: number[] = [];
  let retries = 0;
  let kills = 0;
  let killing: Promise<void> | null = null;
  const killAfter = o.kill ? Math.max(1, Math.floor(total * (o.killAt ?? 0.4))) : Number.POSITIVE_INFINITY;
  const deadline = Date.now() + 10 * 60_000;

  /** One request, retried on network errors and 5xx (the same request each time). */
  async function call(
    path: string,
    token: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown; ms: number }> {
    for (let attempt = 0; ; attempt++) {
      const t0 = performance.now();
      try {
        const res = await fetch(`${base()}${path}`, {
          method: body === undefined ? 'GET' : 'POST',
          headers: {
            Authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const json = await res.json();
        if (res.status < 500) return { status: res.status, json, ms: performance.now() - t0 };
      } catch {
        // connection refused / reset while the server is down: retry below
      }
      if (Date.now() > deadline)
        throw new Error(`bench feedback: gave up on ${path} after ${attempt + 1} attempts`);
      retries++;
      await new Promise((r) => setTimeout(r, Math.min(500, 20 * 2 ** Math.min(attempt, 5))));
    }
  }

  async function client(l: number): Promise<void> {
    const token = tokens[l];
    const rand = rng(1000 + l);
    for (let i = 0; i < o.submissions; i++) {
      const next = await call('/api/tasks/next?kind=ranking', token);
      const task = (next.json as { task: { assignment_id: string; candidates: { id: string }[] } | null })
        .task;
      if (next.status !== 200 || !task)
        throw new Error(`bench feedback: no task for labeler ${l} (${next.status})`);
      const ids = task.candidates.map((c) => c.id);
      for (let j = ids.length - 1; j > 0; j--) {
        const s = Math.floor(rand() * (j + 1));
        [ids[j], ids[s]] = [ids[s], ids[j]];
      }
      // Mostly strict orders, sometimes a tie in the middle.
      const ordering =
        rand() < 0.2 && ids.length > 2
          ? [[ids[0]], [ids[1], ids[2]], ...ids.slice(3).map((x) => [x])]
          : ids.map((x) => [x]);
      const submissionId = `bench-${l}-${i}-${Math.floor(rand() * 1e9)}`;
      const t0 = performance.now();
      const res = await call(`/api/assignments/${task.assignment_id}/ranking`, token, {
        submission_id: submissionId,
        ordering,
        time_ms: 1000,
      });
      if (res.status !== 201)
        throw new Error(`bench feedback: ranking refused (${res.status}): ${JSON.stringify(res.json)}`);
      acked.set(submissionId, task.assignment_id);
      latencies.push(res.ms);
      fullLatencies.push(performance.now() - t0);
      if (acked.size >= killAfter && kills === 0 && !killing) {
        killing = (async () => {
          log(`SIGKILL rein serve after ${acked.size} acknowledged rankings`);
          await server.stop('SIGKILL');
          kills++;
          await server.start();
          log(`rein serve restarted on port ${server.port}`);
        })();
      }
    }
  }

  const started = performance.now();
  await Promise.all(Array.from({ length: o.labelers }, (_, l) => client(l)));
  const seconds = (performance.now() - started) / 1000;
  await killing;
  await server.stop('SIGTERM');
  log(
    `${acked.size} rankings acknowledged in ${seconds.toFixed(1)} s (${retries} retries); checking the database`,
  );

  // ---- check the database ----------------------------------------------------------------
  const store = await openStore(db);
  let stored = 0;
  let duplicates = 0;
  let partial = 0;
  let storedRows = 0;
  try {
    const rows = await store.db.all<{
      submission_id: string;
      assignment_id: string | null;
      prompt_id: string;
      ordering: string;
      status: string | null;
    }>(
      `SELECT k.submission_id, k.assignment_id, k.prompt_id, k.ordering, a.status
       FROM rankings k LEFT JOIN assignments a ON a.id = k.assignment_id`,
    );
    storedRows = rows.length;
    const submissions = new Set(rows.map((r) => r.submission_id));
    for (const sub of acked.keys()) if (submissions.has(sub)) stored++;
    // Every prompt went to exactly one labeler (M = 1): a second ranking of a prompt, or of
    // an assignment, is a duplicate.
    duplicates = Math.max(
      rows.length - new Set(rows.map((r) => r.prompt_id)).size,
      rows.length - new Set(rows.map((r) => r.assignment_id)).size,
    );
    // Partial: a ranking without its completed assignment, a completed assignment without
    // its ranking, or a stored ordering that is not a permutation of the prompt's candidates.
    const cands = await store.db.all<{ prompt_id: string; ext_id: string }>(
      'SELECT prompt_id, ext_id FROM candidates',
    );
    const byPrompt = new Map<string, string[]>();
    for (const c of cands) {
      const list = byPrompt.get(c.prompt_id) ?? [];
      list.push(c.ext_id);
      byPrompt.set(c.prompt_id, list);
    }
    for (const r of rows) {
      let ordering: string[][] | null = null;
      try {
        ordering = JSON.parse(r.ordering);
      } catch {
        ordering = null;
      }
      if (r.status !== 'done' || !ordering || orderingProblem(byPrompt.get(r.prompt_id) ?? [], ordering))
        partial++;
    }
    const doneWithout = await store.db.get<{ n: unknown }>(
      `SELECT COUNT(*) AS n FROM assignments a WHERE a.status = 'done' AND NOT EXISTS (SELECT 1 FROM rankings k WHERE k.assignment_id = a.id)`,
    );
    partial += Number(doneWithout?.n ?? 0);
  } finally {
    await store.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
  log(`${storedRows} ranking rows in the database`);
  latencies.sort((a, b) => a - b);
  fullLatencies.sort((a, b) => a - b);
  const r1 = (x: number) => Math.round(x * 10) / 10;
  return {
    acknowledged: acked.size,
    stored,
    lost: acked.size - stored,
    duplicates,
    partial,
    rankings_per_s: r1(acked.size / seconds),
    p99_ms: r1(quantile(latencies, 0.99)),
    p99_with_retries_ms: r1(quantile(fullLatencies, 0.99)),
    p50_ms: r1(quantile(latencies, 0.5)),
    retries,
    kills,
    db: db.startsWith('postgres') ? 'postgres' : 'sqlite',
    labelers: o.labelers,
    submissions: o.submissions,
  };
}
