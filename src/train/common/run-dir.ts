import { join } from 'node:path';

/**
 * The layout of a training run's output folder. The checkpoint lives in its own subfolder
 * because saving a checkpoint replaces its folder atomically — the log and the resumable
 * state beside it must survive that. `loadModel(runDir)` finds the checkpoint in `model/`.
 */
export function runPaths(out: string): { checkpoint: string; log: string; config: string; state: string } {
  return {
    checkpoint: join(out, 'model'),
    log: join(out, 'log.jsonl'),
    config: join(out, 'run-config.json'),
    state: join(out, 'state'),
  };
}
