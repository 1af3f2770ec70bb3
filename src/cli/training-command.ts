/**
 * What every training command does around its own work: arguments through the method's config
 * schema, `--help`, the required options, a one-line error naming the command for bad input, and
 * the run folder (fresh or resumed, with its resolved config saved beside it).
 */
import type { z } from 'zod';
import { parseRunArgs, requireOptions } from '../train/common/run-args.js';
import { type RunDir, startRunDir } from '../train/common/run-dir.js';
import { isExpectedFailure, loadCheckpointFor, RunInputError } from '../train/common/run-input.js';
import { CliError } from './errors.js';

export interface CommandSpec<S extends z.ZodType> {
  /** As the user typed it, e.g. `rm train`: every message starts with it. */
  name: string;
  schema: S;
  help: string;
  /** Options without a usable default. */
  required: readonly string[];
}

/** The command's `run(argv)`: parses, answers --help, checks, then runs `body` on the resolved config. */
export function trainingCommand<S extends z.ZodType>(
  spec: CommandSpec<S>,
  body: (cfg: z.infer<S>) => void | Promise<void>,
): (argv: string[]) => Promise<void> {
  return async (argv) => {
    try {
      const args = parseRunArgs(spec.schema, argv);
      if (args.help) {
        console.log(spec.help);
        return;
      }
      requireOptions(args.config as Record<string, unknown>, spec.required);
      await body(args.config);
    } catch (e) {
      if (isExpectedFailure(e)) throw new CliError(`${spec.name}: ${e.message}`);
      throw e;
    }
  };
}

/** Opens `cfg.out` for the run (train/common/run-dir.ts `startRunDir`) and says where a resumed run picks up. */
export function startRun(name: string, cfg: { out: string; resume: boolean }, unit = 'step'): RunDir {
  const dir = startRunDir(cfg);
  if (cfg.resume)
    console.error(
      dir.resumeStep === null
        ? `${name}: no saved state, starting at ${unit} 0`
        : `${name}: resuming after ${unit} ${dir.resumeStep}`,
    );
  return dir;
}

/** A `--maxLength` past the model's context is cut to it, with a note (the config saved says what ran). */
export function fitMaxLength(name: string, cfg: { maxLength: number }, contextLength: number): void {
  if (cfg.maxLength <= contextLength) return;
  console.error(`${name}: --maxLength ${cfg.maxLength} cut to the model's context length ${contextLength}`);
  cfg.maxLength = contextLength;
}

/** The reward model checkpoint of `--option PATH`: one with a scalar head, or an input error. */
export function loadRewardModel(option: string, path: string): ReturnType<typeof loadCheckpointFor> {
  const ck = loadCheckpointFor(option, path);
  if (!ck.model.hasScalarHead)
    throw new RunInputError(
      `--${option} ${path}: not a reward model (no scalar head; train one with rein rm train)`,
    );
  return ck;
}
