/**
 * Runs a pipeline's stages once each: a finished stage leaves `OUT/stages/NAME.json` (written
 * atomically after its outputs), so a killed run started again skips what is done and resumes at
 * the first unfinished stage. Each stage's wall time is recorded for the report.
 *
 * The settings the stages were made with are pinned in `OUT/stages/settings.json`: started again
 * with other settings, the runner refuses (naming what changed) rather than mix stages of two
 * different runs in one report.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { releaseFreeBuffers } from '../tensor/index.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { settingChanges } from '../util/config.js';

/** OUT holds stages finished under other settings. */
export class StageSettingsError extends Error {}

export class StageRunner {
  readonly seconds: Record<string, number> = {};
  /** Seconds of the stages an earlier run finished (part of the whole run's time, not this process's). */
  secondsSkipped = 0;

  /** `settings`: everything the stages' outputs depend on (JSON); pinned on the first run. */
  constructor(
    private readonly out: string,
    settings: unknown,
    private readonly say: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  ) {
    const file = this.file('settings');
    const now = JSON.parse(JSON.stringify(settings)) as unknown;
    if (existsSync(file)) {
      const changes = settingChanges(JSON.parse(readFileSync(file, 'utf8')), now);
      if (changes.length > 0)
        throw new StageSettingsError(
          `${out} holds stages of a run with other settings (${changes.join('; ')}); ` +
            `they would not match this run's. Use another --out, or delete ${join(out, 'stages')} to start over.`,
        );
    } else writeFileAtomic(file, `${JSON.stringify(now, null, 2)}\n`);
  }

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
    // the next stage works on other shapes: the buffers this one left free would only sit beside its
    // own (up to the pool's cap), so they go now
    releaseFreeBuffers();
    const seconds = (Date.now() - t0) / 1000;
    this.seconds[name] = seconds;
    writeFileAtomic(file, `${JSON.stringify({ seconds, result })}\n`);
    this.say(`✓ ${name} (${seconds.toFixed(1)} s)`);
    return result;
  }
}
