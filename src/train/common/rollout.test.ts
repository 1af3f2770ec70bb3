import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng.js';
import { tinyModel } from '../test-helpers/fixtures.js';
import {
  responseMask,
  rolloutLogProbs,
  sampledLogProbs,
  sampleRollouts,
  summedResponseLogProbs,
} from './rollout.js';

const V = 40;
const PAD = 0;
const rng = new Rng(11);
const tokens = (n: number) => Array.from({ length: n }, () => 1 + rng.int(V - 1));
// prompts of 3–17 tokens
const prompts = Array.from({ length: 6 }, (_, i) => tokens(3 + ((i * 7) % 15)));

describe('summedResponseLogProbs at the context edge (context 64)', () => {
  const model = tinyModel(V, 3);
  const one = (p: number[], r: number[]) => summedResponseLogProbs(model, [p], [r], PAD)[0];

  it('rows that fit alone but not together are scored as they would be alone', () => {
    const longPrompt = tokens(50);
    const longResponse = tokens(40);
    const shortA = tokens(5);
    const shortB = tokens(6);
    // 50 + 40 > 64: one layout cannot hold both rows
    const both = summedResponseLogProbs(model, [longPrompt, shortA], [shortB, longResponse], PAD);
    expect(both[0]).toBeCloseTo(one(longPrompt, shortB), 4);
    expect(both[1]).toBeCloseTo(one(shortA, longResponse), 4);
  });

  it('a row one token past the context (generate samples a last token it never feeds) loses its first prompt token', () => {
    const prompt = tokens(30);
    const response = tokens(35); // 65 tokens
    expect(one(prompt, response)).toBeCloseTo(one(prompt.slice(1), response), 6);
    expect(() => one(tokens(2), tokens(70))).toThrow(/leaves no room in the context of 64/);
  });
});

describe('sampledLogProbs', () => {
  it("are the policy's log-probs of its rollouts at the sampling temperature, as a log-prob pass gives them", () => {
    const model = tinyModel(V, 3, 'llama');
    for (const temperature of [1, 0.7]) {
      const { gens, batch: sampled } = sampleRollouts(model, prompts, {
        maxNew: 12,
        temperature,
        stopIds: [1],
        seed: 5,
        padId: PAD,
        context: 64,
        who: 'test',
      });
      const fromSampler = sampledLogProbs(gens, sampled);
      const fromPass = rolloutLogProbs(model, sampled, temperature);
      const mask = responseMask(sampled);
      expect(mask.reduce((a, m) => a + m, 0)).toBeGreaterThan(20);
      fromPass.forEach((v, i) => {
        if (mask[i]) expect(fromSampler[i]).toBeCloseTo(v, 4);
        else expect(fromSampler[i]).toBe(0);
      });
    }
  });
});
