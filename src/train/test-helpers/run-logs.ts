/** Run logs for the trainers' tests: ones that keep what they are given, ones that die as a killed run would. */
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

/** An RL trainer's RunLog that keeps its records and throws 'killed' when asked to write iteration `dieAt`. */
export class IterationLog extends RunLog {
  records: Record<string, unknown>[] = [];
  constructor(private readonly dieAt: number | null = null) {
    super(null);
  }
  override write(r: Record<string, unknown>): void {
    if (r.iteration === this.dieAt) throw new Error('killed');
    this.records.push(r);
  }
}
