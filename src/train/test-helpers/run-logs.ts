/** Run logs for the trainers' tests: one that keeps what it is given, one that dies as a killed run would. */
import { RunLog } from '../common/run-log.js';

/** A RunLog that keeps its records in memory for the test to read. */
export function recordingLog(): { log: RunLog; records: Record<string, number>[] } {
  const records: Record<string, number>[] = [];
  const log = new (class extends RunLog {
    override write(r: Record<string, unknown>): void {
      records.push(r as Record<string, number>);
    }
  })(null);
  return { log, records };
}

/** A RunLog that throws 'killed' when asked to write step `step`: the run dies there, its last save kept. */
export function dyingLog(step: number): RunLog {
  return new (class extends RunLog {
    override write(r: Record<string, unknown>): void {
      if (r.step === step) throw new Error('killed');
    }
  })(null);
}
