import { describe, expect, it } from 'vitest';
import { CliError } from './errors.js';
import { run as probe } from './probe.js';

/** `rein probe`'s flag checks; trainers.test.ts runs the probe itself on a trained toy policy. */
describe('rein probe flags', () => {
  it('names an unknown option instead of throwing a parse error', async () => {
    const err = await probe(['--bogus']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).message).toMatch(/^probe: Unknown option '--bogus'.*\n\nusage: rein probe/s);
  });
});
