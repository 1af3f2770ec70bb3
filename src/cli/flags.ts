/** Number flags of the hand-parsed commands, checked, with an error naming the command and flag. */
import { CliError } from './errors.js';

/** `--flag V` as an integer in [min, max]. */
export function integerFlag(
  command: string,
  flag: string,
  value: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const x = Number(value);
  if (!Number.isInteger(x) || x < min || x > max)
    throw new CliError(
      `${command}: --${flag} must be an integer ${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`}, got '${value}'`,
    );
  return x;
}

/** `--flag V` as a finite number ≥ min. */
export function numberFlag(command: string, flag: string, value: string, min: number): number {
  const x = Number(value);
  if (!Number.isFinite(x) || x < min)
    throw new CliError(`${command}: --${flag} must be a number ≥ ${min}, got '${value}'`);
  return x;
}
