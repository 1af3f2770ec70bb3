import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng.js';
import { RewardConfig } from '../reward/config.js';
import type { RankedPrompt } from '../reward/data.js';
import { trainRewardModel } from '../reward/train.js';
import { SftConfig } from '../sft/config.js';
import { trainSft } from '../sft/train.js';
import { NUMBER_WORDS, tinyModel, toyTokenizer } from '../test-helpers/fixtures.js';
import { PpoConfig } from './config.js';
import { trainPpo } from './train.js';

/** The toy task: answers are "nice , it is X ." (preferred) or "rude , it is X ." — SFT learns both. */
function setup() {
  const tok = toyTokenizer();
  const rng = new Rng(11);
  const demos = Array.from({ length: 64 }, (_, i) => {
    const x = NUMBER_WORDS[rng.int(10)];
    return { prompt: `what is ${x} ?`, response: `${i % 2 ? 'nice' : 'rude'} , it is ${x} .` };
  });
  const sft = tinyModel(tok.vocabSize, 2);
  trainSft(
    sft,
    tok,
    demos,
    SftConfig.parse({
      out: mkdtempSync(join(tmpdir(), 'rein-ppo-')),
      steps: 150,
      lr: 1e-2,
      heldoutFraction: 0,
      saveEvery: 0,
      evalEvery: 1000,
    }),
    { quiet: true },
  );
  const rankings: RankedPrompt[] = demos.map((d) => {
    const x = d.prompt.split(' ')[2];
    return {
      prompt: d.prompt,
      candidates: [`nice , it is ${x} .`, `rude , it is ${x} .`],
      pairs: [{ winner: 0, loser: 1 }],
    };
  });
  const rm = sft.clone({ scalarHead: 'fresh', rng: new Rng(3) });
  trainRewardModel(
    rm,
    tok,
    rankings,
    RewardConfig.parse({
      out: mkdtempSync(join(tmpdir(), 'rein-ppo-')),
      epochs: 3,
      lr: 3e-3,
      heldoutFraction: 0,
    }),
    { quiet: true },
  );
  return { tok, sft, rm, prompts: demos.map((d) => d.prompt) };
}

describe('trainPpo', () => {
  it('raises the reward on a toy task, keeps KL finite, and logs every metric', () => {
    const { tok, sft, rm, prompts } = setup();
    const cfg = PpoConfig.parse({
      out: mkdtempSync(join(tmpdir(), 'rein-ppo-')),
      iterations: 8,
      rolloutBatch: 32,
      minibatch: 16,
      ppoEpochs: 2,
      maxNew: 12,
      lr: 1e-3,
      valueLr: 2e-3,
      kl: { beta: 0.05 },
      saveEvery: 0,
      evalEvery: 3,
    });
    const niceShare: number[] = [];
    const evaluatedAt: number[] = [];
    const seen: number[] = [];
    const history = trainPpo(
      { policy: sft.clone(), reference: sft, rewardModel: rm, value: rm.clone() },
      tok,
      prompts,
      cfg,
      {
        quiet: true,
        gold: (_rows, responses) => {
          const g = responses.map((r) => (r.startsWith('nice') ? 1 : 0));
          niceShare.push(g.reduce((a: number, b) => a + b, 0) / g.length);
          return g;
        },
        onEval: (iteration) => {
          evaluatedAt.push(iteration);
          return { heldout_check: iteration / 10 };
        },
        onIteration: (entry) => seen.push(entry.iteration),
      },
    );
    expect(history).toHaveLength(8);
    // the evaluation hook every evalEvery iterations and after the last; its metrics join the log line
    expect(evaluatedAt).toEqual([3, 6, 8]);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const first = history[0];
    const last = history[history.length - 1];
    for (const key of [
      'rm_score',
      'kl',
      'beta',
      'policy_loss',
      'value_loss',
      'clip_fraction',
      'approx_kl',
      'entropy',
      'response_length',
      'gold',
    ] as const) {
      expect(Number.isFinite(last[key])).toBe(true);
    }
    expect(last.rm_score).toBeGreaterThan(first.rm_score + 0.5);
    expect(niceShare[niceShare.length - 1]).toBeGreaterThan(Math.max(0.8, niceShare[0]));
    expect(last.kl).toBeGreaterThan(0);
  });
});
