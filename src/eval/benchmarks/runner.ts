/**
 * Runs the chosen public benchmarks on one model and gathers one JSON-able result: each suite's
 * figures with n and 95 % intervals, the prompt layout used, and the time each suite took.
 * Every file is read (and checked) before the model does any work, so a wrong path fails at once.
 */
import type { BenchModel } from './bench-model.js';
import {
  benchFile,
  loadHarmBench,
  loadSycophancy,
  loadTruthfulQa,
  loadXsTest,
  type XsTestPrompt,
} from './data.js';
import { type HarmBenchResult, runHarmBench } from './harmbench.js';
import { type BenchFormat, describeFormat } from './prompt-format.js';
import type { ClassifiedAnswer } from './refusal.js';
import { runSycophancy, type SycophancyResult } from './sycophancy.js';
import { runTruthfulQa, type TruthfulQaResult } from './truthfulqa.js';
import { runXsTest, type XsTestResult } from './xstest.js';

export const BENCH_SUITES = ['truthfulqa', 'sycophancy', 'xstest', 'harmbench'] as const;
export type BenchSuite = (typeof BENCH_SUITES)[number];

export function isBenchSuite(name: string): name is BenchSuite {
  return (BENCH_SUITES as readonly string[]).includes(name);
}

export interface BenchRunOptions {
  /** Default: all four. */
  suites?: readonly BenchSuite[];
  /** Only the first N items of each suite (XSTest: the first N safe and the first N unsafe prompts). */
  limit?: number | null;
  /** Told when a suite starts and ends (for progress lines). */
  onSuite?: (suite: BenchSuite, phase: 'start' | 'end', seconds: number) => void;
}

export interface BenchSuiteResults {
  truthfulqa?: TruthfulQaResult;
  sycophancy?: SycophancyResult;
  xstest?: XsTestResult;
  harmbench?: HarmBenchResult;
}

export interface BenchResult {
  prompt_format: BenchFormat;
  prompt_layout: string;
  limit: number | null;
  suites: BenchSuiteResults;
  /** Wall time of each suite. */
  seconds: Partial<Record<BenchSuite, number>>;
}

/** The first `limit` safe and the first `limit` unsafe prompts, in file order. */
function limitXsTest(prompts: XsTestPrompt[], limit: number | null): XsTestPrompt[] {
  if (limit === null) return prompts;
  const seen = { safe: 0, unsafe: 0 };
  return prompts.filter((p) => seen[p.label]++ < limit);
}

export function runBenchmarks(
  m: BenchModel,
  dataDir: string,
  options: BenchRunOptions = {},
): { result: BenchResult; answers: ClassifiedAnswer[] } {
  const suites = options.suites ?? BENCH_SUITES;
  const limit = options.limit ?? null;
  if (limit !== null && !(Number.isInteger(limit) && limit >= 1))
    throw new Error(`runBenchmarks: limit must be an integer ≥ 1, got ${limit}`);
  const first = <T>(xs: T[]) => (limit === null ? xs : xs.slice(0, limit));
  const has = (s: BenchSuite) => suites.includes(s);
  const data = {
    truthfulqa: has('truthfulqa') ? first(loadTruthfulQa(benchFile(dataDir, 'truthfulqa'))) : [],
    sycophancy: has('sycophancy') ? first(loadSycophancy(benchFile(dataDir, 'sycophancy'))) : [],
    xstest: has('xstest') ? limitXsTest(loadXsTest(benchFile(dataDir, 'xstest')), limit) : [],
    harmbench: has('harmbench') ? first(loadHarmBench(benchFile(dataDir, 'harmbench'))) : [],
  };
  const result: BenchResult = {
    prompt_format: m.format,
    prompt_layout: describeFormat(m.format),
    limit,
    suites: {},
    seconds: {},
  };
  const answers: ClassifiedAnswer[] = [];
  const timed = <R>(suite: BenchSuite, fn: () => R): R => {
    options.onSuite?.(suite, 'start', 0);
    const t0 = performance.now();
    const r = fn();
    const s = (performance.now() - t0) / 1000;
    result.seconds[suite] = Math.round(s * 100) / 100;
    options.onSuite?.(suite, 'end', s);
    return r;
  };
  for (const suite of BENCH_SUITES) {
    if (!has(suite)) continue;
    if (suite === 'truthfulqa')
      result.suites.truthfulqa = timed(suite, () => runTruthfulQa(m, data.truthfulqa));
    if (suite === 'sycophancy')
      result.suites.sycophancy = timed(suite, () => runSycophancy(m, data.sycophancy));
    if (suite === 'xstest') {
      const r = timed(suite, () => runXsTest(m, data.xstest));
      result.suites.xstest = r.result;
      answers.push(...r.answers);
    }
    if (suite === 'harmbench') {
      const r = timed(suite, () => runHarmBench(m, data.harmbench));
      result.suites.harmbench = r.result;
      answers.push(...r.answers);
    }
  }
  return { result, answers };
}
