/**
 * `rein report` end to end: tiny real runs of rein sft (two settings, and one that diverges) and
 * rein rm train, then the page for them, read back; and bad input, each one clear CliError.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { saveCheckpoint } from '../model/checkpoint.js';
import { tinyModel, toyDemos, toyTokenizer } from '../train/test-helpers/fixtures.js';
import { CliError } from './errors.js';
import { run as report } from './report.js';
import { run as rm } from './rm.js';
import { run as sft } from './sft.js';
import { capture } from './test-helpers/capture.js';

afterEach(() => {
  vi.restoreAllMocks();
});

let root: string;
const f = (name: string) => join(root, name);
const jsonl = (rows: unknown[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join('');
const sftArgs = (out: string, ...more: string[]) => [
  ...['--data', f('demos.jsonl'), '--model', f('base'), '--out', out],
  ...['--steps', '8', '--batchSize', '4', '--warmupSteps', '1', '--evalEvery', '4', '--maxLength', '32'],
  ...more,
];

/** Each chart's title, its paths' (title, point count) and its legend. */
function charts(html: string) {
  return html
    .split('<svg')
    .slice(1)
    .map((svg) => ({
      title: /font-weight="600">([^<]*)</.exec(svg)![1],
      paths: [...svg.matchAll(/<path d="([^"]*)"[^>]*><title>([^<]*)<\/title>/g)].map((m) => [
        m[2],
        m[1].match(/[ML]/g)!.length,
      ]),
      legend: [...svg.matchAll(/width="10" height="10"[^>]*\/><text [^>]*>([^<]*)<\/text>/g)].map(
        (m) => m[1],
      ),
      marks: [...svg.matchAll(/class="mark"\/><text [^>]*>([^<]*)</g)].map((m) => m[1]),
    }));
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'rein-cli-report-'));
  const tok = toyTokenizer();
  saveCheckpoint(f('base'), tinyModel(tok.vocabSize, 1), tok);
  const demos = toyDemos(40);
  writeFileSync(f('demos.jsonl'), jsonl(demos));
  writeFileSync(
    f('pairs.jsonl'),
    jsonl(demos.map((d) => ({ prompt: d.prompt, chosen: d.response, rejected: 'it is bad .' }))),
  );
  await capture(sft, sftArgs(f('sft-a'), '--lr', '3e-3'));
  await capture(sft, sftArgs(f('sft-b'), '--lr', '1e-3', '--seed', '2'));
  // an absurd learning rate: the weights blow up and the loss goes NaN within a few steps
  await expect(capture(sft, sftArgs(f('sft-nan'), '--lr', '1e30'))).rejects.toThrow(
    /training stopped at step \d+: (loss|grad_norm) is (NaN|Infinity)/,
  );
  await capture(rm, [
    'train',
    ...['--data', f('pairs.jsonl'), '--model', f('sft-a'), '--out', f('rm')],
    ...['--epochs', '2', '--batchPrompts', '8', '--evalEvery', '2', '--maxLength', '32'],
  ]);
});

describe('rein report', () => {
  it('puts two SFT runs side by side: a chart per metric with both runs, final values, the differing settings', async () => {
    const out = await capture(report, [f('sft-a'), f('sft-b'), '--out', f('pages/ab.html')]);
    expect(out.at(-1)).toBe(
      `report: sft-a (sft, 8 steps), sft-b (sft, 8 steps); 4 charts → ${f('pages/ab.html')}`,
    );
    const html = readFileSync(f('pages/ab.html'), 'utf8');
    const c = charts(html);
    expect(c.map((x) => x.title)).toEqual(['loss', 'heldout_loss', 'lr', 'grad_norm']);
    for (const chart of c) expect(chart.legend).toEqual(['sft-a', 'sft-b']);
    // 8 steps: too short to smooth by default, every step drawn; held-out loss at steps 4 and 8
    expect(c[0].paths).toEqual([
      ['sft-a', 8],
      ['sft-b', 8],
    ]);
    expect(c[1].paths).toEqual([
      ['sft-a', 2],
      ['sft-b', 2],
    ]);
    // the final loss of each run is its last log record's
    const last = (dir: string) =>
      JSON.parse(readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').at(-1)!);
    const lossRow = html.split('<tr><td>loss</td>')[1].split('</tr>')[0];
    for (const dir of [f('sft-a'), f('sft-b')])
      expect(lossRow).toContain(`${+last(dir).loss.toPrecision(4)} <small>@ 8</small>`);
    const settings = [...html.split('class="settings"')[1].matchAll(/<tr><td>([^<]*)<\/td>/g)].map(
      (m) => m[1],
    );
    expect(settings).toEqual(['lr', 'seed']);
    expect(html).toMatch(/<td>SFT<\/td>.*<td class="">finished<\/td>/);
    expect(html).not.toMatch(/<script|<link|src=|@import|url\(/);
  });

  it('shows where a run stopped at a non-finite value, with --smooth and --metrics', async () => {
    const page = f('pages/nan.html');
    await capture(report, [
      f('sft-a'),
      f('sft-nan'),
      '--out',
      page,
      '--smooth',
      '2',
      '--metrics',
      'grad_norm,loss',
    ]);
    const html = readFileSync(page, 'utf8');
    const log = readFileSync(join(f('sft-nan'), 'log.jsonl'), 'utf8')
      .trim()
      .split('\n');
    const broken = JSON.parse(log.at(-1)!);
    const brokenKey = ['loss', 'grad_norm'].find((k) => typeof broken[k] === 'string')!;
    expect(['NaN', 'Infinity']).toContain(broken[brokenKey]);
    expect(html).toContain(
      `${brokenKey}: ${broken[brokenKey]} at step ${broken.step} (log.jsonl:${log.length})`,
    );
    expect(html).toMatch(
      new RegExp(`stopped at step ${broken.step} of 8: [^<]*${brokenKey} ${broken[brokenKey]}`),
    );
    const c = charts(html);
    expect(c.map((x) => x.title)).toEqual(['grad_norm', 'loss']);
    expect(c.find((x) => x.title === brokenKey)!.marks).toEqual([`${broken[brokenKey]} · sft-nan`]);
    // --smooth 2 over 8 steps: faint raw and solid smoothed lines for the whole run
    expect(c[1].paths.slice(0, 2)).toEqual([
      ['sft-a (every value)', 8],
      ['sft-a', 8],
    ]);
  });

  it("writes a single run's page into its folder; the folder stays a run that can be trained again", async () => {
    const out = await capture(report, [f('rm')]);
    expect(out.at(-1)).toMatch(/^report: rm \(rm, \d+ steps\); \d+ charts → .*rm\/report\.html$/);
    const html = readFileSync(join(f('rm'), 'report.html'), 'utf8');
    expect(charts(html)[0].title).toBe('heldout_accuracy');
    expect(html).toContain('<td>reward model</td>');
    expect(html).toContain('done: heldout_accuracy');
    // every setting of the one run
    expect(html).toContain('<h2>Settings (train-config.json)</h2>');
    expect(html).toContain('<tr><td>batchPrompts</td><td>8</td></tr>');

    await capture(report, [f('sft-b')]);
    expect(existsSync(join(f('sft-b'), 'report.html'))).toBe(true);
    await capture(sft, sftArgs(f('sft-b'), '--steps', '2'));
    expect(existsSync(join(f('sft-b'), 'model.safetensors'))).toBe(true);
  });

  it('answers bad input with one clear message', async () => {
    const fails = async (argv: string[], message: RegExp) => {
      const p = capture(report, argv);
      await expect(p).rejects.toBeInstanceOf(CliError);
      await expect(p).rejects.toThrow(message);
    };
    await fails([], /report: give at least one run folder/);
    await fails([f('sft-a'), f('sft-b')], /with several runs, --out FILE\.html is required/);
    await fails([f('sft-a'), '--bogus'], /report: Unknown option '--bogus'/);
    await fails([f('sft-a'), '--smooth', '0'], /report: --smooth must be an integer ≥ 1, got '0'/);
    await fails(
      [f('sft-a'), '--metrics', 'loss,kl'],
      /report: --metrics: no run logs 'kl' \(their metrics: loss/,
    );
    await fails([f('nope')], /report: .*nope: no such folder/);
    mkdirSync(f('not-a-run'));
    await fails([f('not-a-run')], /report: .*not-a-run: no log\.jsonl/);
    mkdirSync(f('bad-log'));
    writeFileSync(join(f('bad-log'), 'log.jsonl'), `${jsonl([{ step: 1, loss: 1 }])}{"step": 2, loss\n`);
    await fails([f('bad-log')], /report: .*bad-log\/log\.jsonl:2: not valid JSON/);
    mkdirSync(f('empty-log'));
    writeFileSync(join(f('empty-log'), 'log.jsonl'), '');
    await fails([f('empty-log')], /report: .*empty-log\/log\.jsonl: empty log/);
    await fails([f('sft-a'), '--out', f('sft-b')], /--out .*sft-b is a folder/);
    const help = (await capture(report, ['--help']))[0];
    expect(help).toMatch(/^usage: rein report RUN_DIR/);
    expect(help).toMatch(/\bgrpo\b/); // every method it reads is named (GRPO's runs were left out)
  });
});
