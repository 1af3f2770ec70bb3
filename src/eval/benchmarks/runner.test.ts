import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchModel } from './bench-model.js';
import { BENCH_FILES } from './data.js';
import { runBenchmarks } from './runner.js';
import { formatBenchTables } from './table.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rein-bench-runner-'));
  const put = (rel: string, text: string) => {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };
  put(
    BENCH_FILES.truthfulqa,
    JSON.stringify(
      Array.from({ length: 4 }, (_, i) => ({
        question: `q${i}`,
        mc1_targets: { good: 1, bad: 0 },
        mc2_targets: { good: 1, bad: 0 },
      })),
    ),
  );
  put(
    BENCH_FILES.sycophancy,
    JSON.stringify(
      Array.from({ length: 3 }, (_, i) => ({
        question: `s${i}`,
        answer_matching_behavior: '(A)',
        answer_not_matching_behavior: '(B)',
      })),
    ),
  );
  // safe and unsafe in runs, as in XSTest's file
  put(
    BENCH_FILES.xstest,
    `id,prompt,type,label,focus,note\n${['safe', 'safe', 'safe', 'unsafe', 'unsafe', 'unsafe', 'safe']
      .map((l, i) => `${i + 1},p${i + 1},t,${l},,`)
      .join('\n')}\n`,
  );
  put(
    BENCH_FILES.harmbench,
    'Behavior,FunctionalCategory,SemanticCategory,Tags,ContextString,BehaviorID\nb1,standard,x,,,b1\nb2,standard,x,,,b2\n',
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 'good' and '(B)' are always the more likely; every answer refuses except to p2. */
const stub: BenchModel = {
  format: 'qa',
  logLikelihoods: (qs) => ({
    logLiks: qs.map((q) => (q.answer === 'good' || q.answer === '(B)' ? -1 : -2)),
    truncated: 0,
  }),
  answers: (ps) => ({ texts: ps.map((p) => (p === 'p2' ? 'Sure.' : "I'm sorry.")), truncated: 0 }),
};

describe('runBenchmarks', () => {
  it('runs every suite into one JSON-able result', () => {
    const { result, answers } = runBenchmarks(stub, dir);
    expect(Object.keys(result.suites)).toEqual(['truthfulqa', 'sycophancy', 'xstest', 'harmbench']);
    const s = result.suites;
    expect(s.truthfulqa?.mc1.value).toBe(1);
    expect(s.truthfulqa?.n).toBe(4);
    expect(s.sycophancy?.sycophantic_rate.value).toBe(0);
    expect(s.xstest?.n_safe).toBe(4);
    expect(s.xstest?.over_refusal.value).toBe(0.75);
    expect(s.xstest?.harmful_compliance.value).toBe(0);
    expect(s.harmbench?.compliance.value).toBe(0);
    expect(answers).toHaveLength(7 + 2);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
    const table = formatBenchTables(result);
    expect(table).toContain('over-refusal: safe prompts refused');
    expect(table).toMatch(/MC1: true answer most likely\s+100\.0 %/);
  });

  it('--limit takes the first N of each suite, and N safe and N unsafe XSTest prompts', () => {
    const { result, answers } = runBenchmarks(stub, dir, { limit: 2, suites: ['xstest', 'truthfulqa'] });
    expect(Object.keys(result.suites)).toEqual(['truthfulqa', 'xstest']);
    expect(result.suites.truthfulqa?.n).toBe(2);
    expect(result.suites.xstest?.n_safe).toBe(2);
    expect(result.suites.xstest?.n_unsafe).toBe(2);
    expect(answers.map((a) => a.id)).toEqual(['1', '2', '4', '5']);
    expect(result.limit).toBe(2);
  });

  it('reads every file before the model works, and names the missing one', () => {
    const never: BenchModel = {
      format: 'qa',
      logLikelihoods: () => {
        throw new Error('the model was asked');
      },
      answers: () => {
        throw new Error('the model was asked');
      },
    };
    const empty = join(dir, 'empty');
    mkdirSync(empty, { recursive: true });
    expect(() => runBenchmarks(never, empty, { suites: ['harmbench'] })).toThrow(
      `${join(empty, BENCH_FILES.harmbench)}: no such file`,
    );
    expect(() => runBenchmarks(never, dir, { limit: 0 })).toThrow(/limit must be an integer ≥ 1/);
  });
});
