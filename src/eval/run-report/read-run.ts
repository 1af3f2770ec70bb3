/**
 * Reading a training run's folder for `rein report`: its `log.jsonl` (one JSON object per step or
 * PPO iteration, train/common/run-log.ts), its resolved config `train-config.json` when there is
 * one (the demo's stage folders have none), and — in a finished run — the checkpoint's
 * `config.json`, whose meta names the method. Each metric becomes a series over the run's own
 * steps: a metric logged every N steps (held-out loss) has points at those steps only.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DataFileError } from '../../data/jsonl.js';

// The run folder's file names (train/common/run-dir.ts, a layer above, writes them).
const LOG = 'log.jsonl';
const RUN_CONFIG = 'train-config.json';
const CHECKPOINT_CONFIG = 'config.json';

/** A run folder that cannot be reported: the message names the folder or file and why. */
export class RunReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunReportError';
  }
}

export type RunMethod =
  | 'sft'
  | 'pretrain'
  | 'rm'
  | 'rm-patch'
  | 'ppo'
  | 'grpo'
  | 'rloo'
  | 'online-dpo'
  | 'dpo'
  | 'kto'
  | 'distill'
  | 'unknown';

/** A value logged for a metric that cannot be drawn: NaN, ±∞ (or null, JSON's NaN), a string. */
export interface LeftOutValue {
  /** The step (or iteration) of the record. */
  x: number;
  /** 1-based line in log.jsonl. */
  line: number;
  /** The value as logged, as text: "NaN", "Infinity", "null", "\"abc\"". */
  value: string;
  /** True for NaN/±∞/null (a number that went wrong), false for a value that was never a number. */
  nonFinite: boolean;
}

export interface MetricSeries {
  /** [step, value], finite values only, in log order. */
  points: [number, number][];
  leftOut: LeftOutValue[];
}

/** A log record without a step or iteration (rm train's closing `{"event": "done", …}`). */
export interface LogEvent {
  line: number;
  fields: Record<string, unknown>;
}

export interface TrainingRun {
  /** The folder as given. */
  dir: string;
  method: RunMethod;
  /** The x axis: `iteration` in PPO's and GRPO's logs, `step` in the others. */
  stepName: 'step' | 'iteration';
  /** train-config.json, or null when the folder has none. */
  config: Record<string, unknown> | null;
  /** The folder holds the finished checkpoint (a killed or diverged run holds only its log and state). */
  finished: boolean;
  /** Steps (iterations) the config asked for, where it says (sft, pretrain: steps; the RL methods: iterations). */
  plannedSteps: number | null;
  /** Records with a step. */
  records: number;
  firstStep: number;
  lastStep: number;
  /** Metric name → its series, in the order the metrics first appear in the log. */
  metrics: Map<string, MetricSeries>;
  events: LogEvent[];
  /** The first and last record's `time`, when the log has them. */
  start: Date | null;
  end: Date | null;
  /** Things about the log worth saying (a last line cut short by a kill). */
  notes: string[];
}

/** Keys of a log record that are not metrics. */
const NOT_METRICS = new Set(['time', 'step', 'iteration', 'event']);
/** How RunLog writes a non-finite number; JSON itself turns one into null. */
const NON_FINITE_TEXT = new Set(['NaN', 'Infinity', '-Infinity']);

function readJsonObject(file: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new RunReportError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new RunReportError(`${file}: not a JSON object`);
  return value as Record<string, unknown>;
}

/** The method a finished checkpoint's meta names (the names the commands and the demo write). */
const META_METHODS: Record<string, RunMethod> = {
  sft: 'sft',
  pretrain: 'pretrain',
  rm: 'rm',
  'reward-model': 'rm',
  'reward-model-patch': 'rm-patch',
  ppo: 'ppo',
  grpo: 'grpo',
  rloo: 'rloo',
  'online-dpo': 'online-dpo',
  dpo: 'dpo',
  kto: 'kto',
  distill: 'distill',
};

/** The method from the options only its config schema has. */
function methodFromConfig(cfg: Record<string, unknown>): RunMethod {
  const has = (k: string) => k in cfg;
  // online DPO's schema alone has pairs per step beside its answers per prompt; GRPO's and RLOO's
  // share their options, and RLOO's is the one that leaves one out
  if (has('groupSize') && has('batchPairs')) return 'online-dpo';
  if (has('groupSize') && has('rm')) return cfg.baseline === 'leave-one-out' ? 'rloo' : 'grpo';
  if (has('iterations') && has('rm') && has('policy')) return 'ppo';
  if (has('vocabSize')) return 'pretrain';
  if (has('replay') && has('rankings')) return 'rm-patch';
  if (has('desirableWeight')) return 'kto';
  if (has('teacher') && has('lmbda')) return 'distill';
  if (has('lossType') || has('labelSmoothing')) return 'dpo';
  if (has('batchPrompts')) return 'rm';
  if (has('steps') && has('data')) return 'sft';
  return 'unknown';
}

/** The method from the metrics only its trainer logs. */
function methodFromLog(keys: Set<string>): RunMethod {
  if (keys.has('kl_penalised_reward')) return 'rloo';
  if (keys.has('zero_spread_fraction')) return 'grpo';
  if (keys.has('score_gap')) return 'online-dpo';
  if (keys.has('iteration')) return 'ppo';
  // KTO logs each kind's reward, and a batch of one kind only that one
  if (keys.has('desirable_reward') || keys.has('undesirable_reward')) return 'kto';
  if (keys.has('chosen_reward')) return 'dpo';
  if (keys.has('train_accuracy')) return 'rm';
  if (keys.has('answer_length')) return 'distill';
  if (keys.has('loss')) return 'sft';
  return 'unknown';
}

function checkpointMethod(dir: string): { finished: boolean; method: RunMethod | null } {
  const file = join(dir, CHECKPOINT_CONFIG);
  if (!existsSync(file)) return { finished: false, method: null };
  try {
    const cfg = JSON.parse(readFileSync(file, 'utf8'));
    if (cfg?.format !== 'rein-checkpoint') return { finished: false, method: null };
    const named = cfg.meta?.method;
    return { finished: true, method: typeof named === 'string' ? (META_METHODS[named] ?? null) : null };
  } catch {
    return { finished: false, method: null }; // not our checkpoint: the log and config still tell
  }
}

function describeValue(v: unknown): string {
  return typeof v === 'string' && NON_FINITE_TEXT.has(v) ? v : JSON.stringify(v);
}

/**
 * Reads one run folder. A missing folder or log, an empty log, a line that is not a JSON object
 * or a step that is not a number or goes backwards is a RunReportError or DataFileError (file:line);
 * a metric value that is not a finite number is kept aside (`leftOut`), not drawn.
 */
export function readTrainingRun(dir: string): TrainingRun {
  if (!existsSync(dir)) throw new RunReportError(`${dir}: no such folder`);
  if (!statSync(dir).isDirectory())
    throw new RunReportError(`${dir}: not a folder (give a run's --out folder)`);
  const logFile = join(dir, LOG);
  if (!existsSync(logFile))
    throw new RunReportError(
      `${dir}: no ${LOG} (not a training run's --out folder, or it never logged a step)`,
    );

  const text = readFileSync(logFile, 'utf8');
  const lines = text.split('\n');
  const metrics = new Map<string, MetricSeries>();
  const keys = new Set<string>();
  const events: LogEvent[] = [];
  const notes: string[] = [];
  let stepName: 'step' | 'iteration' | null = null;
  let records = 0;
  let firstStep = Number.NaN;
  let lastStep = Number.NaN;
  let start: Date | null = null;
  let end: Date | null = null;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      // a run killed while appending leaves its last line cut short, with no newline after it
      if (i === lines.length - 1 && !text.endsWith('\n')) {
        notes.push(`${LOG}:${i + 1} is cut short (the run was stopped while writing it); left out`);
        continue;
      }
      throw new DataFileError(logFile, i + 1, null, `not valid JSON (${(e as Error).message})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new DataFileError(logFile, i + 1, null, 'not a JSON object');
    const rec = value as Record<string, unknown>;
    for (const k of Object.keys(rec)) keys.add(k);
    if (typeof rec.time === 'string') {
      const t = new Date(rec.time);
      if (!Number.isNaN(t.getTime())) {
        start ??= t;
        end = t;
      }
    }
    const key = 'step' in rec ? 'step' : 'iteration' in rec ? 'iteration' : null;
    if (key === null) {
      events.push({ line: i + 1, fields: rec });
      continue;
    }
    const x = rec[key];
    if (typeof x !== 'number' || !Number.isFinite(x))
      throw new DataFileError(logFile, i + 1, key, `must be a number, got ${JSON.stringify(x)}`);
    if (stepName !== null && key !== stepName)
      throw new DataFileError(logFile, i + 1, key, `earlier records count in '${stepName}'`);
    if (x <= lastStep)
      throw new DataFileError(
        logFile,
        i + 1,
        key,
        `${x} after ${lastStep}: the ${key}s go back (one log of several trainings?)`,
      );
    stepName = key;
    records++;
    if (records === 1) firstStep = x;
    lastStep = x;
    for (const [name, v] of Object.entries(rec)) {
      if (NOT_METRICS.has(name)) continue;
      let series = metrics.get(name);
      if (!series) {
        series = { points: [], leftOut: [] };
        metrics.set(name, series);
      }
      if (typeof v === 'number' && Number.isFinite(v)) series.points.push([x, v]);
      else {
        const nonFinite = v === null || (typeof v === 'string' && NON_FINITE_TEXT.has(v));
        series.leftOut.push({ x, line: i + 1, value: describeValue(v), nonFinite });
      }
    }
  }
  if (records === 0)
    throw new RunReportError(
      events.length > 0
        ? `${logFile}: no record has a step or iteration (nothing to plot)`
        : `${logFile}: empty log (no records)`,
    );
  // a key that never held a number, nor a number gone wrong, is a label, not a metric
  for (const [name, s] of metrics)
    if (s.points.length === 0 && s.leftOut.every((v) => !v.nonFinite)) metrics.delete(name);

  const configFile = join(dir, RUN_CONFIG);
  const config = existsSync(configFile) ? readJsonObject(configFile) : null;
  const checkpoint = checkpointMethod(dir);
  const fromConfig = config ? methodFromConfig(config) : 'unknown';
  const method = checkpoint.method ?? (fromConfig !== 'unknown' ? fromConfig : methodFromLog(keys));
  // the config counts the run in the log's own unit: the RL methods' `iterations`, the others' `steps`
  const planned = stepName === 'iteration' ? config?.iterations : config?.steps;
  return {
    dir,
    method,
    stepName: stepName ?? 'step',
    config,
    finished: checkpoint.finished,
    plannedSteps: typeof planned === 'number' ? planned : null,
    records,
    firstStep,
    lastStep,
    metrics,
    events,
    start,
    end,
    notes,
  };
}

/** A short name for each run in legends and tables: its folder's name, or the path where two share one. */
export function runLabels(dirs: readonly string[]): string[] {
  const trimmed = dirs.map((d) => d.replace(/\/+$/, '') || d);
  const names = trimmed.map((d) => basename(d));
  return names.map((n, i) => (names.filter((m) => m === n).length > 1 ? trimmed[i] : n));
}
