import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng.js';
import { NUMBER_WORDS, tinyModel, toyTokenizer } from '../test-helpers/fixtures.js';
import { RewardConfig } from './config.js';
import type { RankedPrompt } from './data.js';
import { patchRewardModel } from './patch.js';
import { trainRewardModel } from './train.js';

/** Old feedback: "nice" beats "rude". New feedback (a new problem): "it is" beats "maybe it is". */
function pairs(
  n: number,
  seed: number,
  better: (x: string) => string,
  worse: (x: string) => string,
): RankedPrompt[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const x = NUMBER_WORDS[rng.int(10)];
    const flip = rng.uniform() < 0.5;
    const c = flip ? [worse(x), better(x)] : [better(x), worse(x)];
    return {
      prompt: `what is ${x} ?`,
      candidates: c,
      pairs: [{ winner: flip ? 1 : 0, loser: flip ? 0 : 1 }],
    };
  });
}

describe('patchRewardModel', () => {
  it('learns the new problem while replay keeps the old judgement that new data alone would overwrite', () => {
    const tok = toyTokenizer();
    const cfg = (out: string) =>
      RewardConfig.parse({ out, epochs: 3, lr: 3e-3, heldoutFraction: 0.2, evalEvery: 1000 });
    const oldData = pairs(
      80,
      1,
      (x) => `nice , it is ${x} .`,
      (x) => `rude , it is ${x} .`,
    );
    // the new problem: hedging is worst of all, even worse than rudeness (nice > rude > hedged)
    const fresh = pairs(
      80,
      2,
      (x) => `rude , it is ${x} .`,
      (x) => `nice , maybe it is ${x} .`,
    );
    const patchWith = (replay: number) => {
      const out = mkdtempSync(join(tmpdir(), 'rein-patch-'));
      const rm = tinyModel(tok.vocabSize, 5).clone({ scalarHead: 'fresh', rng: new Rng(1) });
      const first = trainRewardModel(rm, tok, oldData, cfg(out), { quiet: true });
      expect(first.heldoutAccuracy).toBeGreaterThan(0.9);
      const held = new Set(first.heldout);
      const oldTrain = oldData.filter((d) => !held.has(d));
      return patchRewardModel(rm, tok, fresh, oldTrain, first.heldout, cfg(out), replay, { quiet: true });
    };
    const withReplay = patchWith(1);
    expect(withReplay.replayed).toBe(64);
    expect(withReplay.newAfter).toBeGreaterThan(Math.max(0.85, withReplay.newBefore));
    expect(withReplay.oldAfter).toBeGreaterThan(0.85);
    const without = patchWith(0);
    expect(without.replayed).toBe(0);
    expect(without.oldAfter).toBeLessThan(withReplay.oldAfter - 0.2);
  });
});
