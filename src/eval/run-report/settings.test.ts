import { describe, expect, it } from 'vitest';
import { settingsRows } from './settings.js';

describe('settings table', () => {
  const a = { data: 'x.jsonl', out: 'runs/a', lr: 0.001, steps: 10, kl: { beta: 0.02, adaptive: false } };

  it('lists exactly the keys on which the runs differ, nested ones dotted, --out aside', () => {
    const b = { ...a, out: 'runs/b', lr: 0.002, kl: { beta: 0.02, adaptive: true } };
    const c = { ...a, out: 'runs/c', seed: 3 };
    const rows = settingsRows([a, b, c]);
    expect(rows.map((r) => r.key)).toEqual(['kl.adaptive', 'lr', 'seed']);
    expect(rows[1].values).toEqual(['0.001', '0.002', '0.001']);
    expect(rows[2].values).toEqual([undefined, undefined, '3']);
    expect(settingsRows([a, { ...a, out: 'elsewhere' }])).toEqual([]);
  });

  it('lists every setting of a single run; a run without a config takes no part', () => {
    expect(settingsRows([a]).map((r) => r.key)).toEqual(['data', 'kl.adaptive', 'kl.beta', 'lr', 'steps']);
    const rows = settingsRows([a, null]);
    expect(rows).toHaveLength(5);
    expect(rows[0].values).toEqual(['"x.jsonl"', undefined]);
  });
});
