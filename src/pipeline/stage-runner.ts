/**
 * Runs a pipeline's stages once each: a finished stage leaves `OUT/stages/NAME.json` (written
 * atomically after its outputs), so a killed run started again skips what is done and resumes at
 * the first unfinished stage. Each stage's wall time is recorded for the report.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../data/atomic-write.js';

export class StageRunner {
  readonly seconds: Record<string, number> = {};
  /** Seconds of the stages an earlier run finished (part of the whole run's time, not this process's). */
  secondsSkipped = 0;

  constructor(
    private readonly out: string,
    private readonly say: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  ) {}

  private file(name: string): string {
    return join(this.out, 'stages', `${name}.json`);
  }

  /** Runs `fn` unless the stage already finished; returns its JSON result either way. */
  run<R>(name: string, fn: () => R): R {
    const file = this.file(name);
    if (existsSync(file)) {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as { seconds: number; result: R };
      this.seconds[name] = saved.seconds;
      this.secondsSkipped += saved.seconds;
      this.say(`· ${name}: done earlier (${saved.seconds.toFixed(1)} s), skipped`);
      return saved.result;
    }
    this.say(`▶ ${name}`);
    const t0 = Date.now();
    const result = fn();
    const seconds = (Date.now() - t0) / 1000;
    this.seconds[name] = seconds;
    writeFileAtomic(file, `${JSON.stringify({ seconds, result })}\n`);
    this.say(`✓ ${name} (${seconds.toFixed(1)} s)`);
    return result;
  }
}
