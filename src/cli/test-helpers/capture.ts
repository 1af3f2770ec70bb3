import { vi } from 'vitest';

/**
 * Runs a command in-process and returns what it printed to stdout, line by line; progress and
 * notes on stderr are dropped. Callers restore the mocks (`vi.restoreAllMocks()` after each test).
 */
export async function capture(cmd: (argv: string[]) => Promise<void>, argv: string[]): Promise<string[]> {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    lines.push(a.join(' '));
  });
  vi.spyOn(console, 'error').mockImplementation(() => {});
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  await cmd(argv);
  return lines;
}
