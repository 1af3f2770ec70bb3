import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A training run's metrics log: one JSON object per line in `file` (appended, so a resumed run
 * continues the same log). Each line is a complete record written with one append.
 */
export class RunLog {
  constructor(readonly file: string | null) {
    if (file) mkdirSync(dirname(file), { recursive: true });
  }

  write(record: Record<string, unknown>): void {
    if (this.file)
      appendFileSync(
        this.file,
        `${JSON.stringify({ time: new Date().toISOString(), ...record }, keepNonFinite)}\n`,
      );
  }
}

/** JSON has no NaN or ±∞ (JSON.stringify writes null): the log keeps them as "NaN", "Infinity", "-Infinity". */
function keepNonFinite(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

/** A loss or metric went NaN/∞: training stops at once, naming the step and what broke. */
export class NonFiniteError extends Error {
  constructor(
    readonly step: number,
    readonly what: string,
    readonly value: number,
  ) {
    super(`training stopped at step ${step}: ${what} is ${value} (not finite)`);
    this.name = 'NonFiniteError';
  }
}

/**
 * Throws NonFiniteError for the first non-finite entry of `values`. Given the run's log, it first
 * writes `values` there as the step's record (`{[at]: step, …values}`, keys as the log names them),
 * so that the log of a diverged run ends on the step and the value that stopped it.
 */
export function assertFinite(
  step: number,
  values: Record<string, number>,
  log?: RunLog,
  at: 'step' | 'iteration' = 'step',
): void {
  const bad = Object.entries(values).find(([, v]) => !Number.isFinite(v));
  if (!bad) return;
  log?.write({ [at]: step, ...values });
  throw new NonFiniteError(step, bad[0], bad[1]);
}
