/**
 * `rein bench <workload>`: performance benchmarks that print JSON. `train` and `generate` run side
 * by side with the PyTorch peer baseline (shared/bench/torch_reference.py) in the same command;
 * `feedback` is a load test of the feedback server, with no peer to compare.
 *
 * Workloads are a table, like the commands; each lives in its own file (bench-train.ts,
 * bench-generate.ts, and feedback.ts for the labelers' load test).
 */
import { runGenerate } from './bench-generate.js';
import { runTrain } from './bench-train.js';
import { CliError } from './errors.js';

interface Workload {
  summary: string;
  run(argv: string[]): Promise<void>;
}

const workloads: Record<string, Workload> = {
  train: { summary: 'one AdamW training step of a transformer on random tokens', run: runTrain },
  generate: { summary: 'batched sampling with a KV cache (tokens/s)', run: runGenerate },
  feedback: {
    summary: 'concurrent labelers submitting rankings to rein serve; --kill: SIGKILL + restart, nothing lost',
    run: async (argv) => (await import('./feedback.js')).runBench(argv),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(workloads).map((n) => n.length));
  return [
    'usage: rein bench <workload> [options]',
    '',
    'workloads:',
    ...Object.entries(workloads).map(([n, w]) => `  ${n.padEnd(width)}  ${w.summary}`),
    '',
    'rein bench <workload> --help shows its options.',
  ].join('\n');
}

export async function run(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(usage());
    return;
  }
  const w = workloads[name];
  if (!w) throw new CliError(`bench: unknown workload '${name}'\n\n${usage()}`);
  await w.run(rest);
}
