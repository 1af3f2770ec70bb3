import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RankingRecord } from '../data/ranking.js';
import { loadPreferenceData } from '../train/common/preference-data.js';
import { judge } from '../world/judge.js';
import { loadWorldPrompts } from '../world/load.js';
import { CliError } from './errors.js';
import { smallWorldConfig } from './test-helpers/small-world.js';
import { run } from './world.js';

let dir: string;
let world: string;
let config: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rein-world-cli-'));
  world = join(dir, 'w');
  config = smallWorldConfig(dir);
  vi.spyOn(console, 'log').mockImplementation(() => {});
  vi.spyOn(console, 'error').mockImplementation(() => {});
  await run(['build', '--seed', '5', '--out', world, '--config', config]);
});
afterAll(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

async function failure(argv: string[]): Promise<string> {
  try {
    await run(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(CliError);
    return (e as Error).message;
  }
  throw new Error(`expected rein world ${argv.join(' ')} to fail`);
}

describe('rein world', () => {
  it('build: same seed, same bytes', async () => {
    const again = join(dir, 'again');
    await run(['build', '--seed', '5', '--out', again, '--config', config]);
    for (const f of ['pretrain.jsonl', 'eval.jsonl', 'manifest.json', 'README.md']) {
      expect(readFileSync(join(again, f)).equals(readFileSync(join(world, f))), f).toBe(true);
    }
    expect(await failure(['build', '--seed', '5'])).toMatch(/--out is required/);
  });

  it('judge: one output line per input line, as the judge says', async () => {
    const prompts = loadWorldPrompts(world).eval.slice(0, 3);
    const input = write(
      'responses.jsonl',
      prompts.map((p, i) =>
        JSON.stringify({ id: p.id, response: i === 0 ? (p.answer ?? 'I cannot help.') : 'asdf' }),
      ),
    );
    const out = join(dir, 'judged.jsonl');
    await run(['judge', '--world', world, '--in', input, '--out', out]);
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    lines.forEach((l, i) => {
      const j = judge(prompts[i], i === 0 ? (prompts[i].answer ?? 'I cannot help.') : 'asdf');
      expect(l).toEqual({ id: prompts[i].id, labels: j.labels, gold: j.gold });
    });
  });

  it('judge: an unknown id or a malformed line is an error naming the line', async () => {
    const id = loadWorldPrompts(world).eval[0].id;
    const unknown = write('unknown.jsonl', [
      JSON.stringify({ id, response: 'x' }),
      '',
      JSON.stringify({ id: 'eval-9999x', response: 'x' }),
    ]);
    expect(await failure(['judge', '--world', world, '--in', unknown])).toMatch(
      /unknown\.jsonl:3: unknown prompt id 'eval-9999x'/,
    );
    const broken = write('broken.jsonl', [JSON.stringify({ id, response: 'x' }), '{"id": "x",']);
    expect(await failure(['judge', '--world', world, '--in', broken])).toMatch(
      /broken\.jsonl:2: not valid JSON/,
    );
    const missing = write('missing.jsonl', [JSON.stringify({ id })]);
    expect(await failure(['judge', '--world', world, '--in', missing])).toMatch(
      /missing\.jsonl:1: field 'response'/,
    );
    expect(await failure(['judge', '--world', join(dir, 'nope'), '--in', missing])).toMatch(
      /manifest\.json: not found/,
    );
    expect(await failure(['judge', '--world', world, '--in', missing, '--bogus', '1'])).toMatch(/bogus/);
  });

  it('label: RankingRecords from simulated labelers, with focus and blind spots checked', async () => {
    const prompts = loadWorldPrompts(world).rank.slice(0, 6);
    const input = write(
      'candidates.jsonl',
      prompts.map((p) =>
        JSON.stringify({
          id: p.id,
          candidates: ['I do not know.', 'Shut up, idiot.', 'Buy it now or regret it!', p.answer ?? 'Maybe.'],
        }),
      ),
    );
    // three labelers, two per prompt, blind to manipulation, focused on toxicity; `extra` flags more
    const label = async (name: string, extra: string[] = []) => {
      const out = join(dir, name);
      const common = ['--labelers', '3', '--per-prompt', '2', '--round', 'r2', '--blind', 'manipulation'];
      await run([
        'label',
        '--world',
        world,
        '--in',
        input,
        ...common,
        '--focus',
        'toxic=2',
        ...extra,
        '--out',
        out,
      ]);
      return readFileSync(out, 'utf8')
        .trim()
        .split('\n')
        .map((l) => RankingRecord.parse(JSON.parse(l)));
    };
    const recs = await label('rankings.jsonl');
    expect(recs).toHaveLength(12);
    expect(recs.every((r) => r.round === 'r2')).toBe(true);
    expect(recs.some((r) => Object.values(r.flags).some((f) => f.includes('toxic')))).toBe(true);
    expect(recs.some((r) => Object.values(r.flags).some((f) => f.includes('manipulation')))).toBe(false);
    expect(recs.every((r) => r.gaps === undefined)).toBe(true); // by default labelers only order
    // with --much-worse-at, the same orderings, and gaps where a labeler saw a big drop
    const withGaps = await label('rankings-gaps.jsonl', ['--much-worse-at', '2']);
    expect(withGaps.map((r) => r.ordering)).toEqual(recs.map((r) => r.ordering));
    expect(withGaps.some((r) => r.gaps?.includes(1))).toBe(true);
    expect(await failure(['label', '--world', world, '--in', input, '--much-worse-at', '0'])).toMatch(
      /much-worse-at/,
    );
    expect(await failure(['label', '--world', world, '--in', input, '--blind', 'rudeness'])).toMatch(
      /unknown label 'rudeness'/,
    );
    expect(await failure(['label', '--world', world, '--in', input, '--focus', 'toxic'])).toMatch(
      /LABEL=WEIGHT/,
    );
  });

  it('answer-pairs: a pairs file rein rm eval reads, one pair per fact and math prompt', async () => {
    const rl = loadWorldPrompts(world).rl.filter((p) => p.family === 'fact' || p.family === 'math');
    expect(rl.length).toBeGreaterThan(0);
    const out = join(dir, 'answer-pairs.jsonl');
    await run(['answer-pairs', '--world', world, '--split', 'rl', '--out', out]);
    const prefs = loadPreferenceData(out, 'auto');
    expect(prefs.format).toBe('pairs');
    expect(prefs.data.map((d) => d.prompt)).toEqual(rl.map((p) => p.text));
    expect(await failure(['answer-pairs', '--world', world, '--split', 'train'])).toMatch(
      /--split must be one of eval, rl, rank/,
    );
  });

  it('metrics: a JSON report of the responses', async () => {
    const prompts = loadWorldPrompts(world).eval;
    const input = write(
      'all.jsonl',
      prompts.map((p) => JSON.stringify({ id: p.id, response: 'Hmm.' })),
    );
    const json = join(dir, 'report.json');
    await run(['metrics', '--world', world, '--in', input, '--json', json]);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.n).toBe(prompts.length);
    expect(report.fact_accuracy.rate).toBe(0);
  });
});
