import { vi } from 'vitest';

/**
 * Runs a command in-process and returns what it printed to stdout, line by line; its notes
 * (console.error) go to `notes` when given, progress on stderr is dropped. Callers restore the
 * mocks (`vi.restoreAllMocks()` after each test).
 */
export async function capture(
  cmd: (argv: string[]) => Promise<void>,
  argv: string[],
  notes: string[] = [],
): Promise<string[]> {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    lines.push(a.join(' '));
  });
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
    notes.push(a.join(' '));
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  await cmd(argv);
  return lines;
}
