/**
 * docs/your-own-model.md, run as written: every command of its ```sh blocks, in order, `rein` in
 * process (this source tree). Where the page has people rank (`rein serve`, then a browser), a
 * labeler script ranks every open task through the app's JSON API, in process, before each export
 * takes rankings out. `$M` is a temporary folder instead of runs/mine; a probe round's name carries
 * the day it ran, so the page's example name stands for the one the probe printed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { commands } from './cli/commands.js';
import { capture } from './cli/test-helpers/capture.js';
import { openStore } from './feedback/db/open.js';
import { createApp } from './feedback/server/app.js';
import { sharedDataDir, sharedFile } from './tokenizer/shared-data.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const work = mkdtempSync(join(tmpdir(), 'rein-own-model-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
});

/** The page's commands: one string per command (a multi-line `node -e "…"` is one). */
function pageCommands(): string[] {
  const page = readFileSync(join(ROOT, 'docs/your-own-model.md'), 'utf8');
  const out: string[] = [];
  for (const block of page.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const lines = block[1].split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (lines[i].trim() === '') continue;
      if (lines[i].startsWith('node -e "')) {
        const end = lines.indexOf('"', i);
        out.push(lines.slice(i, end + 1).join('\n'));
        i = end;
      } else out.push(lines[i]);
    }
  }
  return out;
}

/** A command line's words: `#` starts a comment, "double quotes" group, $VARS expand. */
function words(line: string, vars: Record<string, string>): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"([^"]*)"|(#.*$)|(\S+)/g)) {
    if (m[2] !== undefined) break;
    out.push((m[1] ?? m[3]).replace(/\$([A-Z]+)/g, (_, v: string) => vars[v] ?? `$${v}`));
  }
  return out;
}

/** Runs `rein` in process; returns what it printed on stdout. */
async function rein(argv: string[]): Promise<string[]> {
  const [name, ...rest] = argv;
  const entry = commands[name];
  if (!entry) throw new Error(`the page runs an unknown command: rein ${name}`);
  const mod = await entry.load();
  return capture(mod.run, rest);
}

/** A labeler at work: ranks (longest answer first) or rates every task the app hands out. */
async function rankEverything(db: string, token: string): Promise<number> {
  const store = await openStore(db);
  try {
    const app = createApp({ store });
    const auth = { Authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    let done = 0;
    for (;;) {
      const res = await app.request('/api/tasks/next', { headers: auth });
      expect(res.status).toBe(200);
      const { task } = (await res.json()) as {
        task: { assignment_id: string; kind: string; candidates: { id: string; text: string }[] } | null;
      };
      if (task === null) return done;
      const ordered = [...task.candidates].sort((a, b) => b.text.length - a.text.length);
      const body =
        task.kind === 'ranking'
          ? { ordering: ordered.map((c) => [c.id]), flags: {} }
          : { label: ordered[0].text.length > 20, flags: {} };
      const post = await app.request(`/api/assignments/${task.assignment_id}/${task.kind}`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ submission_id: `s-${task.assignment_id}`, time_ms: 5000, ...body }),
      });
      expect(post.status).toBe(201);
      done++;
    }
  } finally {
    await store.close();
  }
}

const oasst = sharedFile('oasst', 'en_100_tree.jsonl');
const absent = oasst ? '' : ' — skipped: shared data folder absent (../shared/data or REIN_SHARED_DATA)';

describe.skipIf(!oasst)(`docs/your-own-model.md, every command as written${absent}`, () => {
  it('runs from SFT through ranking, RM, PPO, probe, patch, the alternatives and export', async () => {
    const vars: Record<string, string> = {};
    let token = '';
    let probeRound = '';
    const ran: string[] = [];
    const outputs = new Map<string, string[]>();
    for (const command of pageCommands()) {
      const assignment = command.match(/^([A-Z]+)=(\S+)$/);
      if (assignment) {
        const [, name, value] = assignment;
        vars[name] =
          name === 'S' ? sharedDataDir() : name === 'M' ? join(work, 'mine') : words(value, vars)[0];
        continue;
      }
      if (command.startsWith('mkdir -p ')) {
        mkdirSync(words(command, vars)[2], { recursive: true });
        continue;
      }
      if (command.startsWith('node -e "')) {
        execFileSync('bash', ['-c', command], { cwd: ROOT, env: { ...process.env, ...vars } });
        continue;
      }
      if (!command.startsWith('npx rein '))
        throw new Error(`the page runs something this test does not: ${command}`);
      const argv = words(command, vars)
        .slice(2)
        .map((w) => (/^probe-[a-z-]+-\d{4}-\d{2}-\d{2}$/.test(w) ? probeRound : w));
      if (argv[0] === 'serve') continue; // the labeler script below stands in for the pages
      if (argv[0] === 'feedback' && argv[1] === 'export') await rankEverything(vars.DB, token);
      const printed = await rein(argv.map((w) => (w.startsWith('models/') ? resolve(ROOT, w) : w)));
      const key = argv.slice(0, ['feedback', 'rm', 'eval'].includes(argv[0]) ? 2 : 1).join(' ');
      outputs.set(key, printed);
      ran.push(key);
      if (key === 'feedback labeler') token = printed.join('\n').match(/rein_[\w-]+/)?.[0] ?? '';
      if (key === 'probe') probeRound = JSON.parse(printed.at(-1)!).round;
    }
    const M = vars.M;
    // every step of the page ran, in its order
    expect(ran).toEqual([
      'sft',
      'feedback round',
      'feedback labeler',
      'feedback add-candidates',
      'feedback export',
      'rm train',
      'rm eval',
      'ppo',
      'report',
      'probe',
      'feedback export',
      'rm patch',
      'ppo',
      'grpo',
      'online-dpo',
      'dpo',
      'feedback export',
      'kto',
      'bon',
      'generate',
      'eval bench',
      'export',
    ]);
    expect(token).toMatch(/^rein_/);
    // the labeler's 12 rankings and the probe's focused round came back out, and trained the RM
    expect(readFileSync(join(M, 'rankings.jsonl'), 'utf8').trim().split('\n')).toHaveLength(12);
    expect(probeRound).toMatch(/^probe-/);
    expect(readFileSync(join(M, 'new.jsonl'), 'utf8').trim().split('\n').length).toBeGreaterThan(0);
    const rmEval = JSON.parse(outputs.get('rm eval')!.at(-1)!);
    expect(rmEval.n).toBeGreaterThan(0);
    expect(rmEval.accuracy).toBeGreaterThanOrEqual(0);
    for (const run of ['ppo', 'ppo2', 'grpo', 'online-dpo']) {
      const log = readFileSync(join(M, run, 'log.jsonl'), 'utf8')
        .trim()
        .split('\n');
      expect(log.length, run).toBeGreaterThanOrEqual(3);
    }
    for (const dir of ['sft', 'rm', 'rm2', 'ppo2', 'dpo', 'kto'])
      expect(existsSync(join(M, dir, 'model.safetensors')), dir).toBe(true);
    expect(existsSync(join(M, 'ppo', 'report.html'))).toBe(true);
    expect(readFileSync(join(M, 'best.jsonl'), 'utf8').trim().split('\n')).toHaveLength(12);
    expect(existsSync(join(M, 'ppo2-hf', 'config.json'))).toBe(true);
    expect(JSON.parse(outputs.get('eval bench')!.at(-1)!).limit).toBe(20);
  }, 300_000);
});
