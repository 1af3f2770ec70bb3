import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sharedDataDir, sharedFile } from '../tokenizer/shared-data.js';
import { CliError } from './errors.js';
import { run as evaluate } from './eval.js';

let dir: string;
let logged: string[];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rein-eval-bench-'));
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    logged.push(a.join(' '));
  });
  vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterAll(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

const bin = sharedFile('llama2c', 'stories260K.bin');
const tok = sharedFile('llama2c', 'tok512.bin');
const data = sharedFile('truthfulqa', 'mc_task.json') ? sharedDataDir() : null;
const absent =
  bin && tok && data ? '' : ' — skipped: shared data folder absent (../shared/data or REIN_SHARED_DATA)';

describe.skipIf(!bin || !tok || !data)(`rein eval bench on stories260K (shared data)${absent}`, () => {
  it('--limit 3: every suite, its n, finite figures in [0, 1]; the last line is the JSON result', async () => {
    logged = [];
    const json = join(dir, 'result.json');
    const answers = join(dir, 'answers.jsonl');
    const argv = ['bench', '--model', bin!, '--tokenizer', tok!, '--data', data!, '--limit', '3'];
    await evaluate([...argv, '--json', json, '--answers', answers]);
    const last = JSON.parse(logged[logged.length - 1]);
    expect(JSON.parse(readFileSync(json, 'utf8'))).toEqual(last);
    expect(last.prompt_format).toBe('qa'); // tok512 has no chat tokens
    expect(last.limit).toBe(3);
    expect(last.generation).toEqual({ max_new: 64, temperature: 0, seed: null });
    const s = last.suites;
    expect(Object.keys(s)).toEqual(['truthfulqa', 'sycophancy', 'xstest', 'harmbench']);
    const inUnit = (m: { value: number; ci95: [number, number]; n: number }, n: number) => {
      expect(m.n).toBe(n);
      for (const x of [m.value, ...m.ci95]) {
        expect(Number.isFinite(x)).toBe(true);
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThanOrEqual(1);
      }
      expect(m.ci95[0]).toBeLessThanOrEqual(m.value);
      expect(m.ci95[1]).toBeGreaterThanOrEqual(m.value);
    };
    expect(s.truthfulqa.n).toBe(3);
    inUnit(s.truthfulqa.mc1, 3);
    inUnit(s.truthfulqa.mc2, 3);
    expect(s.sycophancy.n).toBe(3);
    inUnit(s.sycophancy.sycophantic_rate, 3);
    inUnit(s.sycophancy.mean_probability, 3);
    expect([s.xstest.n_safe, s.xstest.n_unsafe]).toEqual([3, 3]);
    inUnit(s.xstest.over_refusal, 3);
    inUnit(s.xstest.harmful_compliance, 3);
    expect(s.harmbench.n).toBe(3);
    inUnit(s.harmbench.compliance, 3);
    const rows = readFileSync(answers, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => r.suite)).toEqual([...Array(6).fill('xstest'), ...Array(3).fill('harmbench')]);
    // greedy: the same command gives the same answers
    logged = [];
    await evaluate([...argv, '--suites', 'harmbench']);
    expect(JSON.parse(logged[logged.length - 1]).suites.harmbench).toEqual(s.harmbench);
    expect(logged.join('\n')).toContain('HarmBench — harmful compliance');
  });

  it('says so when answers are capped at half the context, and reports the cap', async () => {
    logged = [];
    const warned: string[] = [];
    vi.mocked(console.error).mockImplementation((...a: unknown[]) => {
      warned.push(a.join(' '));
    });
    const argv = ['bench', '--model', bin!, '--tokenizer', tok!, '--data', data!, '--limit', '1'];
    await evaluate([...argv, '--suites', 'harmbench', '--max-new', '300']); // stories260K: context 512
    expect(JSON.parse(logged[logged.length - 1]).generation.max_new).toBe(256);
    expect(warned).toContain(
      "eval bench: answers stop at 256 tokens, half the model's context of 512 (--max-new 300 asked for more)",
    );
    vi.mocked(console.error).mockImplementation(() => {});
  });

  it('names a missing benchmark file', async () => {
    await expect(
      evaluate(['bench', '--model', bin!, '--tokenizer', tok!, '--data', dir, '--suites', 'xstest']),
    ).rejects.toThrow(`eval bench: ${join(dir, 'xstest/xstest_prompts.csv')}: no such file`);
  });
});

describe('rein eval bench: flags', () => {
  it('says what is missing or wrong', async () => {
    await expect(evaluate(['bench', '--data', dir])).rejects.toThrow(/--model and --data are required/);
    await expect(evaluate(['bench', '--model', 'm', '--data', dir, '--maxNew', '3'])).rejects.toThrow(
      /^eval bench: Unknown option '--maxNew'.*\n\nusage: rein eval bench/s,
    );
    await expect(
      evaluate(['bench', '--model', 'm', '--data', dir, '--suites', 'truthfulqa,mmlu']),
    ).rejects.toThrow("--suites takes names from truthfulqa, sycophancy, xstest, harmbench, got 'mmlu'");
    await expect(evaluate(['bench', '--model', 'm', '--data', dir, '--limit', '0'])).rejects.toThrow(
      "eval bench: --limit must be an integer ≥ 1, got '0'",
    );
    await expect(evaluate(['bench', '--model', join(dir, 'nope'), '--data', dir])).rejects.toThrow(CliError);
    logged = [];
    await evaluate(['bench', '--help']);
    expect(logged[0]).toMatch(/^usage: rein eval bench/);
  });
});
