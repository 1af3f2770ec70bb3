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
      appendFileSync(this.file, `${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
  }
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

/** Throws NonFiniteError for the first non-finite entry of `values`. */
export function assertFinite(step: number, values: Record<string, number>): void {
  for (const [what, v] of Object.entries(values))
    if (!Number.isFinite(v)) throw new NonFiniteError(step, what, v);
}
