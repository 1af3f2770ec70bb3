/**
 * The PyTorch peer baseline: runs shared/bench/torch_reference.py with Debian's python in a
 * child process (same environment, so the same OpenBLAS settings) and reads its JSON line.
 * Nothing is installed: when torch is missing the error says so.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spinCountSetByRein } from '../kernels/native/index.js';

/** The python that has Debian's python3-torch. */
export const TORCH_PYTHON = '/usr/bin/python3';

/** The repository root: this file is src/bench/torch.ts (or dist/bench/torch.js). */
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** shared/bench/torch_reference.py beside the repository (REIN_TORCH_REFERENCE overrides). */
export function torchReferencePath(): string {
  return process.env.REIN_TORCH_REFERENCE ?? path.resolve(repoRoot, '../shared/bench/torch_reference.py');
}

export interface TorchResult {
  workload: string;
  ms_per_step?: number;
  tokens_per_s: number;
  engine: string;
  threads: number;
  params: number;
}

/** Throws a readable error when the reference script or torch itself is unavailable. */
export function checkTorch(): void {
  const script = torchReferencePath();
  if (!existsSync(script)) {
    throw new Error(`--vs-torch: the PyTorch reference ${script} does not exist (set REIN_TORCH_REFERENCE)`);
  }
  const probe = spawnSync(TORCH_PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    const why = probe.error?.message ?? probe.stderr.trim().split('\n').pop() ?? `exit ${probe.status}`;
    throw new Error(
      `--vs-torch: \`${TORCH_PYTHON} -c 'import torch'\` failed (${why}); install Debian's python3-torch to compare`,
    );
  }
}

/** Runs the reference with these arguments (e.g. ['train', '--arch', 'gpt', …]); returns its JSON. */
export function runTorchReference(args: string[]): TorchResult {
  const script = torchReferencePath();
  // The child gets this process's environment (the same OpenBLAS settings and thread counts), minus
  // the OpenMP spin setting rein's loader adds for itself: PyTorch runs with its own defaults.
  const env = { ...process.env };
  if (spinCountSetByRein) delete env.GOMP_SPINCOUNT;
  const r = spawnSync(TORCH_PYTHON, [script, ...args], { encoding: 'utf8', timeout: 600_000, env });
  if (r.error !== undefined) throw new Error(`torch reference: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(
      `torch reference exited with ${r.status}:\n${r.stderr.trim().split('\n').slice(-5).join('\n')}`,
    );
  }
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as TorchResult;
  } catch {
    throw new Error(`torch reference: its last line is not JSON: ${last.slice(0, 200)}`);
  }
}
