import { afterEach, describe, expect, it, vi } from 'vitest';
import { run } from './bench.js';
import { CliError } from './errors.js';

const tinyFlags = [
  '--vocab',
  '16',
  '--ctx',
  '8',
  '--layers',
  '1',
  '--dim',
  '8',
  '--heads',
  '2',
  '--batch',
  '2',
];

function captureLog(): string[] {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    lines.push(a.join(' '));
  });
  return lines;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('rein bench', () => {
  it('lists the workloads; an unknown one is a CliError with the list', async () => {
    const lines = captureLog();
    await run([]);
    expect(lines.join('\n')).toMatch(/train +one AdamW training step/);
    await expect(run(['nope'])).rejects.toThrow(CliError);
    await expect(run(['nope'])).rejects.toThrow(/unknown workload 'nope'[\s\S]*train/);
  });

  it('bad flags are CliErrors naming the flag', async () => {
    await expect(run(['train', '--layers', 'x'])).rejects.toThrow(/--layers must be an integer ≥ 1, got 'x'/);
    await expect(run(['train', '--arch', 'bert'])).rejects.toThrow(/--arch must be gpt or llama, got 'bert'/);
    await expect(run(['train', '--bogus'])).rejects.toThrow(/bench train: .*bogus/);
  });

  it('--vs-torch without the reference script is a clear error, before any work', async () => {
    const before = process.env.REIN_TORCH_REFERENCE;
    process.env.REIN_TORCH_REFERENCE = '/nonexistent/torch_reference.py';
    try {
      await expect(run(['train', ...tinyFlags, '--vs-torch'])).rejects.toThrow(
        /the PyTorch reference \/nonexistent\/torch_reference.py does not exist/,
      );
    } finally {
      if (before === undefined) delete process.env.REIN_TORCH_REFERENCE;
      else process.env.REIN_TORCH_REFERENCE = before;
    }
  });

  it('train prints one JSON object last, with the fields of the brief', async () => {
    const lines = captureLog();
    await run(['train', ...tinyFlags, '--steps', '2', '--warmup', '0', '--threads', '1']);
    const last = JSON.parse(lines[lines.length - 1]);
    expect(last).toMatchObject({
      workload: 'train',
      arch: 'gpt',
      torch_ms_per_step: null,
      speedup: null,
      threads: 1,
    });
    expect(last.rein_ms_per_step).toBeGreaterThan(0);
    expect(last.gflops).toBeGreaterThan(0);
    if (last.backend === 'native') expect(last.mfu).toBeGreaterThan(0);
  });
});
