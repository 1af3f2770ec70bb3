import { describe, expect, it } from 'vitest';
import { configHelp, resolveConfig, splitConfigArgs } from '../util/config.js';
import { DemoConfig } from './demo-config.js';

const resolve = (...argv: string[]) => resolveConfig(DemoConfig, splitConfigArgs(argv));

describe('rein demo config', () => {
  it('resolves the full size to the schema defaults, with no stage overrides', () => {
    const cfg = resolve();
    expect(cfg).toMatchObject({ size: 'default', maxNew: 40, evalSamples: 4, probeSamples: 4 });
    expect(cfg).toMatchObject({ patchPrompts: 300, samplesPerFamily: 2, bestOfN: [1, 2, 4, 8, 16] });
    for (const stage of ['world', 'pretrain', 'sft', 'rm', 'ppo', 'dpo'] as const)
      expect(cfg[stage]).toEqual({});
  });

  it('fills the toy preset in where the user set nothing', () => {
    const cfg = resolve('--size', 'toy');
    expect(cfg).toMatchObject({ maxNew: 12, evalSamples: 2, probeSamples: 2, patchPrompts: 16 });
    expect(cfg).toMatchObject({ samplesPerFamily: 1, bestOfN: [1, 2] });
    expect(cfg.ppo).toMatchObject({ iterations: 2, maxNew: 12 });
    expect(cfg.world).toMatchObject({ evalPerFamily: 6, docRepeats: { fact: 1, arith: 1 } });
  });

  it("lets the user's own values win over the toy preset, top-level knobs and stages alike", () => {
    const cfg = resolve(
      ...['--size', 'toy', '--maxNew', '20', '--evalSamples', '3', '--bestOfN', '[1,4]'],
      ...['--patchPrompts', '5', '--samplesPerFamily', '0', '--probeSamples', '1', '--ppo.iterations', '3'],
    );
    expect(cfg).toMatchObject({ maxNew: 20, evalSamples: 3, bestOfN: [1, 4], patchPrompts: 5 });
    expect(cfg).toMatchObject({ samplesPerFamily: 0, probeSamples: 1 });
    expect(cfg.ppo).toMatchObject({ iterations: 3, rolloutBatch: 16 });
    // the preset comes before the command line, so it does not care where --size stands
    expect(resolve('--maxNew', '20', '--size', 'toy').maxNew).toBe(20);
  });

  it('still checks what the user gave, and still lists every option in --help', () => {
    expect(() => resolve('--size', 'toy', '--maxNew', '0')).toThrow(/--maxNew: /);
    expect(() => resolve('--size', 'toy', '--ppo', '3')).toThrow(/--ppo: /);
    expect(configHelp(DemoConfig)).toMatch(
      /--maxNew <integer> +most answer tokens when sampling \(default: 40\)/,
    );
  });
});
