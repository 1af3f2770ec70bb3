/**
 * The commands that parse their own flags with `node:util`'s parseArgs (rather than a config
 * schema, training-command.ts) share this: the strict parse with -h/--help, usage errors that name
 * the command and show its help, required flags, and the checked number parsers.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { CliError } from './errors.js';

/** A hand-parsed command: its name as typed (`eval bench`), which starts every message, and its help. */
export interface Command {
  name: string;
  help: string;
}

type Options = NonNullable<ParseArgsConfig['options']>;

const HELP_OPTION = { help: { type: 'boolean', short: 'h', default: false } } as const;

/** What parseArgs infers for these options (plus --help), so each command keeps its typed values. */
export type ParsedCommandArgs<O extends Options, P extends boolean = false> = ReturnType<
  typeof parseArgs<{
    args: string[];
    strict: true;
    allowPositionals: P;
    options: O & typeof HELP_OPTION;
  }>
>;

/** A mistake in how the command was called: the message, then the help that says how to call it. */
export function usageError(command: Command, message: string): CliError {
  return new CliError(`${command.name}: ${message}\n\n${command.help}`);
}

/**
 * Parses `argv` strictly against `options` and -h/--help. An unknown option or a missing value is a
 * usage error; with --help the help is printed and the result is null: the command has nothing
 * more to do.
 */
export function parseCommandArgs<const O extends Options, P extends boolean = false>(
  command: Command,
  argv: string[],
  options: O,
  allowPositionals?: P,
): ParsedCommandArgs<O, P> | null {
  let parsed: ParsedCommandArgs<O, P>;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: allowPositionals ?? false,
      options: { ...options, ...HELP_OPTION },
    }) as ParsedCommandArgs<O, P>;
  } catch (e) {
    throw usageError(command, (e as Error).message);
  }
  // TypeScript cannot resolve the inferred values while O is still generic; --help is there (HELP_OPTION)
  if ((parsed.values as { help: boolean }).help) {
    console.log(command.help);
    return null;
  }
  return parsed;
}

/** The value of a flag the command cannot run without; an empty one counts as missing. */
export function requiredFlag(command: Command, flag: string, value: string | undefined): string {
  if (value === undefined || value === '') throw usageError(command, `--${flag} is required`);
  return value;
}

/**
 * `--flag V` as a finite number that passes `ok`; `what` finishes the error's "must be …". The
 * named parsers below cover the usual ranges; this is for a command's own (say, an open interval).
 */
export function checkedNumber(
  command: string,
  flag: string,
  value: string,
  ok: (x: number) => boolean,
  what: string,
): number {
  const x = Number(value);
  if (!Number.isFinite(x) || !ok(x))
    throw new CliError(`${command}: --${flag} must be ${what}, got '${value}'`);
  return x;
}

/**
 * `--flag V` as an integer in [min, max]. The default bounds are the safe integers: past them a
 * number no longer holds every integer, so the value read would not be the one typed.
 */
export function integerFlag(
  command: string,
  flag: string,
  value: string,
  min = Number.MIN_SAFE_INTEGER,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const what =
    max !== Number.MAX_SAFE_INTEGER
      ? `an integer from ${min} to ${max}`
      : min !== Number.MIN_SAFE_INTEGER
        ? `an integer ≥ ${min}`
        : 'an integer';
  return checkedNumber(command, flag, value, (x) => Number.isInteger(x) && x >= min && x <= max, what);
}

/** `--flag V` as a finite number ≥ min. */
export function numberFlag(command: string, flag: string, value: string, min: number): number {
  return checkedNumber(command, flag, value, (x) => x >= min, `a number ≥ ${min}`);
}

/** `--flag V` as a finite number > 0 (a temperature: 0 would divide by zero). */
export function positiveFlag(command: string, flag: string, value: string): number {
  return checkedNumber(command, flag, value, (x) => x > 0, 'a number > 0');
}

/** `--flag V` as a probability in (0, 1] (top-p: 0 would keep no token). */
export function probabilityFlag(command: string, flag: string, value: string): number {
  return checkedNumber(command, flag, value, (x) => x > 0 && x <= 1, 'in (0, 1]');
}
