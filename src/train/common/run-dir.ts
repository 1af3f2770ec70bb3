/**
 * A training command's output folder. While the run goes, `DIR` holds its log (`log.jsonl`), its
 * resolved config (`train-config.json`) and the resumable state (`state/`, train-state.ts). When
 * it ends, `DIR` becomes a rein checkpoint (model/checkpoint.ts) that keeps the log and config:
 * the checkpoint is written whole into a sibling folder, the log and config are copied in, and the
 * sibling is renamed over `DIR` — a crash leaves either the resumable run or the finished checkpoint.
 *
 * The checkpoint's own `config.json` is the model's, so the run's resolved config lives in
 * `train-config.json` (and in the checkpoint's `meta.config`).
 */
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeCheckpointFiles } from '../../model/checkpoint.js';
import type { LoraAdapters } from '../../model/lora.js';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, writeAdapterFiles } from '../../model/lora-files.js';
import type { Transformer } from '../../model/transformer.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import { writeOutputAtomically } from '../../util/atomic-output.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { saveResolvedConfig, settingChanges } from '../../util/config.js';
import { SCHEMA_DEFAULTS } from './run-args.js';
import { RunInputError } from './run-input.js';
import { stateDir } from './train-state.js';

export const LOG_FILE = 'log.jsonl';
export const RUN_CONFIG_FILE = 'train-config.json';
// report.html: `rein report RUN_DIR` writes it there by default (a finished run drops it, as stale)
const RUN_FILES = [
  LOG_FILE,
  RUN_CONFIG_FILE,
  'state',
  'config.json',
  'model.safetensors',
  'report.html',
  ADAPTER_CONFIG_FILE,
  ADAPTER_WEIGHTS_FILE,
];

export interface RunDir {
  dir: string;
  logFile: string;
  /** The step the saved state resumes from, or null when the run starts from the beginning. */
  resumeStep: number | null;
  /**
   * Settings the resumed run's saved config did not have (options added since it started), as
   * "key = default": the run goes on with those defaults, which the command says.
   */
  defaultsAssumed?: string[];
}

/** True when `dir/config.json` is a rein checkpoint's (a Hugging Face folder's is not ours to replace). */
function isReinCheckpoint(dir: string): boolean {
  try {
    return JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).format === 'rein-checkpoint';
  } catch {
    return false;
  }
}

/** The step in `DIR/state/state.json`, or null when there is none. */
function savedStep(dir: string): number | null {
  const file = join(stateDir(dir), 'state.json');
  if (!existsSync(file)) return null;
  try {
    const step = JSON.parse(readFileSync(file, 'utf8')).step;
    return Number.isInteger(step) ? step : null;
  } catch {
    return null;
  }
}

/**
 * Prepares `dir` for a run. It must be absent, empty, or an earlier rein run or checkpoint — never
 * another folder, since the finished checkpoint replaces it. A fresh run clears the old log and
 * state; `resume` keeps them, and drops log records past the saved step (the killed run logged
 * them, the resumed run will log them again).
 */
export function openRunDir(dir: string, resume: boolean): RunDir {
  const logFile = join(dir, LOG_FILE);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new RunInputError(`--out ${dir}: exists and is not a folder`);
    const entries = readdirSync(dir);
    const foreign = entries.filter(
      (e) =>
        (!RUN_FILES.includes(e) && !e.startsWith('tokenizer')) ||
        (e === 'config.json' && !isReinCheckpoint(dir)),
    );
    const isRun = entries.some((e) => RUN_FILES.includes(e));
    if (entries.length > 0 && (!isRun || foreign.length > 0))
      throw new RunInputError(
        `--out ${dir}: the folder holds other files (${(foreign.length ? foreign : entries).slice(0, 3).join(', ')}); the finished checkpoint would replace it — choose a new or empty folder`,
      );
  }
  if (!resume) {
    rmSync(stateDir(dir), { recursive: true, force: true });
    rmSync(logFile, { force: true });
    return { dir, logFile, resumeStep: null };
  }
  const step = savedStep(dir);
  if (step === null) {
    if (existsSync(join(dir, 'model.safetensors')))
      throw new RunInputError(
        `--out ${dir}: holds a finished checkpoint and no saved state — nothing to resume (drop --resume to train again)`,
      );
    rmSync(logFile, { force: true });
    return { dir, logFile, resumeStep: null };
  }
  if (existsSync(logFile)) {
    const kept = readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((line) => {
        if (line.trim() === '') return false;
        try {
          const r = JSON.parse(line);
          const at = r.step ?? r.iteration;
          return typeof at !== 'number' || at <= step;
        } catch {
          return false; // a line cut short by the kill
        }
      });
    writeFileAtomic(logFile, kept.map((l) => `${l}\n`).join(''));
  }
  return { dir, logFile, resumeStep: step };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `saved` with every setting it lacks taken from `defaults`, group by group: a run saved before an
 * option existed ran as the option's default does (options are added with the old behaviour as
 * their default). `assumed` collects "key = default" for each one filled in.
 */
function withDefaults(
  saved: Record<string, unknown>,
  defaults: unknown,
  assumed: string[],
  prefix = '',
): Record<string, unknown> {
  if (!isRecord(defaults)) return saved;
  const out = { ...saved };
  for (const [key, value] of Object.entries(defaults)) {
    if (!(key in out)) {
      out[key] = value;
      assumed.push(`${prefix}${key} = ${JSON.stringify(value)}`);
    } else if (isRecord(out[key]) && isRecord(value))
      out[key] = withDefaults(out[key], value, assumed, `${prefix}${key}.`);
  }
  return out;
}

/** Writes the run's resolved config to `DIR/train-config.json` (atomically). */
export function saveRunConfig(dir: string, config: unknown): void {
  saveResolvedConfig(join(dir, RUN_CONFIG_FILE), config);
}

/**
 * Settings a resumed run may change: whether to resume, and how a step's batch is split into
 * passes (micro-batches change no step's gradient, so a run killed for want of memory can go on
 * with smaller ones).
 */
const FREE_ON_RESUME = ['resume', 'microBatch'];

function withoutFreeSettings(cfg: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(cfg).filter(([k]) => !FREE_ON_RESUME.includes(k)));
}

/**
 * Opens `cfg.out` for a run and saves the resolved config there. A run resumed with other settings
 * than it was started with (FREE_ON_RESUME aside) is refused, naming what changed: its saved state
 * (optimiser moments, learning-rate schedule, data split) belongs to the old ones. A setting the saved config lacks
 * (an option added since the run started) counts as its default when `cfg` carries the schema's
 * defaults (run-args.ts).
 */
export function startRunDir(cfg: { out: string; resume: boolean }): RunDir {
  const dir = openRunDir(cfg.out, cfg.resume);
  const savedFile = join(cfg.out, RUN_CONFIG_FILE);
  if (dir.resumeStep !== null && existsSync(savedFile)) {
    const defaults = (cfg as { [SCHEMA_DEFAULTS]?: unknown })[SCHEMA_DEFAULTS];
    const assumed: string[] = [];
    const saved = withDefaults(
      JSON.parse(readFileSync(savedFile, 'utf8')) as Record<string, unknown>,
      defaults,
      assumed,
    );
    const changes = settingChanges(withoutFreeSettings(saved), withoutFreeSettings(cfg));
    if (changes.length > 0)
      throw new RunInputError(
        `--out ${cfg.out}: the saved run was started with other settings (${changes.join('; ')}); resume with the same settings, or drop --resume to start again`,
      );
    if (assumed.length > 0) dir.defaultsAssumed = assumed;
  }
  saveRunConfig(cfg.out, cfg);
  return dir;
}

/**
 * Turns the run folder into a rein checkpoint of `model` (with `tok` and `meta`), keeping the log
 * and the run config; the resumable state is dropped (the run is complete). A LoRA run's `adapter`
 * (already merged into `model`) is saved beside it, naming `base`, the checkpoint it was trained on.
 */
export function finishRunDir(
  dir: string,
  model: Transformer,
  tok: Tokenizer,
  meta: Record<string, unknown>,
  adapter?: { lora: LoraAdapters; base: string },
): void {
  writeOutputAtomically(dir, { kind: 'folder', replace: true }, (staging) => {
    writeCheckpointFiles(staging, model, tok, meta);
    if (adapter) writeAdapterFiles(staging, adapter.lora, model, adapter.base);
    for (const f of [LOG_FILE, RUN_CONFIG_FILE])
      if (existsSync(join(dir, f))) copyFileSync(join(dir, f), join(staging, f));
  });
}
