import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as T from '../tensor/index.js';
import { StageRunner, StageSettingsError } from './stage-runner.js';

const quiet = () => {};
let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('StageRunner', () => {
  it('runs a stage once; started again with the same settings it returns the saved result', () => {
    dir = mkdtempSync(join(tmpdir(), 'rein-stages-'));
    const settings = { seed: 1, ppo: { iterations: 60 } };
    let calls = 0;
    const first = new StageRunner(dir, settings, quiet).run('train', () => ++calls);
    const again = new StageRunner(dir, { ppo: { iterations: 60 }, seed: 1 }, quiet).run(
      'train',
      () => ++calls,
    );
    expect([first, again, calls]).toEqual([1, 1, 1]);
  });

  it('leaves no free buffers behind a stage: the next one works on other shapes', () => {
    dir = mkdtempSync(join(tmpdir(), 'rein-stages-'));
    const freeInside = new StageRunner(dir, {}, quiet).run('work', () => {
      T.scope(() => T.add(T.ones([64, 64]), T.ones([64, 64])).data[0]);
      return T.poolStats().freeBuffers;
    });
    expect(freeInside).toBeGreaterThan(0);
    expect(T.poolStats()).toMatchObject({ freeBuffers: 0, freeBytes: 0 });
  });

  it('refuses to resume under other settings, naming each change', () => {
    dir = mkdtempSync(join(tmpdir(), 'rein-stages-'));
    new StageRunner(dir, { seed: 1, ppo: { iterations: 60 } }, quiet).run('train', () => 1);
    const resume = () => new StageRunner(dir, { seed: 1, ppo: { iterations: 80, lr: 1e-5 } }, quiet);
    expect(resume).toThrow(StageSettingsError);
    expect(resume).toThrow('ppo.iterations: 60 → 80; ppo.lr: unset → 0.00001');
  });
});
