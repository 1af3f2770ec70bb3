/**
 * The table of `rein` commands. Each entry loads its module only when run, so
 * `rein --help` stays instant and a command's heavy imports cost nothing elsewhere.
 * A command module exports `run(argv: string[]): Promise<void>`.
 */
export interface CommandModule {
  run(argv: string[]): Promise<void>;
}

export interface CommandEntry {
  summary: string;
  load: () => Promise<CommandModule>;
}

export const commands: Record<string, CommandEntry> = {
  bench: { summary: 'benchmarks against the PyTorch baseline (train, generate, feedback)', load: () => import('./bench.js') },
};
