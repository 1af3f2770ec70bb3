import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertFinite, NonFiniteError, RunLog } from './run-log.js';

const records = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('run log', () => {
  it('keeps NaN and ±∞ as text (JSON would write null)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rein-run-log-')), 'log.jsonl');
    new RunLog(file).write({ step: 1, a: Number.NaN, b: -Infinity, c: 0.5 });
    expect(records(file)[0]).toMatchObject({ step: 1, a: 'NaN', b: '-Infinity', c: 0.5 });
  });

  it('logs the step that broke before stopping, and nothing for a finite one', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rein-run-log-')), 'log.jsonl');
    const log = new RunLog(file);
    assertFinite(1, { loss: 2, grad_norm: 1 }, log);
    expect(() => assertFinite(2, { loss: Number.POSITIVE_INFINITY, grad_norm: 1 }, log)).toThrow(
      'training stopped at step 2: loss is Infinity (not finite)',
    );
    expect(() => assertFinite(7, { rm_score: 1, kl: Number.NaN }, log, 'iteration')).toThrow(NonFiniteError);
    expect(records(file).map(({ time: _t, ...r }) => r)).toEqual([
      { step: 2, loss: 'Infinity', grad_norm: 1 },
      { iteration: 7, rm_score: 1, kl: 'NaN' },
    ]);
  });
});
