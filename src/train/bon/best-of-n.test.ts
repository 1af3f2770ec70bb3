import { describe, expect, it } from 'vitest';
import { generate } from '../../model/generate.js';
import { chatStopIds, encodeChat } from '../../tokenizer/chat-template.js';
import { Rng } from '../../util/rng.js';
import type { RewardFunction } from '../common/reward-function.js';
import { scoreSequences } from '../reward/score.js';
import { tinyModel, toyTokenizer } from '../test-helpers/fixtures.js';
import { bestOfN, bonKlBound, promptSeed } from './best-of-n.js';

describe('bonKlBound', () => {
  it('is log N − (N−1)/N', () => {
    expect(bonKlBound(1)).toBe(0);
    expect(bonKlBound(2)).toBeCloseTo(Math.LN2 - 0.5, 12);
    expect(bonKlBound(4)).toBeCloseTo(1.3862943611198906 - 0.75, 12);
    expect(bonKlBound(64)).toBeCloseTo(4.1588830833596715 - 63 / 64, 12);
    expect(() => bonKlBound(0)).toThrow(/N must be an integer ≥ 1/);
  });
});

describe('bestOfN', () => {
  const tok = toyTokenizer();
  const policy = tinyModel(tok.vocabSize, 1);
  const rm = tinyModel(tok.vocabSize, 2).clone({ scalarHead: 'fresh', rng: new Rng(4) });
  const prompts = ['what is two plus three ?', 'what is one ?'];
  const opts = { n: 5, maxNew: 8, seed: 3, quiet: true };

  it('returns the sample the RM scores highest among the N it drew', () => {
    const results = bestOfN(policy, rm, tok, prompts, opts);
    expect(results).toHaveLength(2);
    results.forEach((r, i) => {
      expect(r.prompt).toBe(prompts[i]);
      // the N samples are the ones a plain generate call with the prompt's seed draws
      const promptIds = encodeChat(tok, prompts[i]).ids;
      const gens = generate(policy, Array(5).fill(promptIds), {
        maxNew: 8,
        seed: promptSeed(3, i),
        stopIds: chatStopIds(tok),
      });
      expect(r.candidates.map((c) => c.ids)).toEqual(gens.map((g) => g.ids));
      expect(new Set(r.candidates.map((c) => c.ids.join(','))).size).toBeGreaterThan(1);
      // each scored alone (no batch, no padding): the best is the maximum
      const alone = r.candidates.map(
        (c) => scoreSequences(rm, [{ ids: [...promptIds, ...c.ids], responseStart: promptIds.length }], 0)[0],
      );
      alone.forEach((s, b) => {
        expect(r.candidates[b].score).toBeCloseTo(s, 4);
      });
      const max = Math.max(...alone);
      expect(r.best.score).toBeCloseTo(max, 4);
      expect(r.candidates).toContain(r.best);
      expect(alone[r.candidates.indexOf(r.best)]).toBeCloseTo(max, 4);
    });
  });

  it('reproduces with the same seed, and differs with another', () => {
    const a = bestOfN(policy, rm, tok, prompts, opts);
    const b = bestOfN(policy, rm, tok, prompts, opts);
    const c = bestOfN(policy, rm, tok, prompts, { ...opts, seed: 4 });
    expect(b.map((r) => r.best.ids)).toEqual(a.map((r) => r.best.ids));
    expect(c.map((r) => r.candidates.map((x) => x.ids))).not.toEqual(
      a.map((r) => r.candidates.map((x) => x.ids)),
    );
  });

  it('needs a reward model with a scalar head, or a reward function', () => {
    expect(() => bestOfN(policy, policy, tok, prompts, opts)).toThrow(/the reward model needs a scalar head/);
    expect(() => bestOfN(policy, null, tok, prompts, opts)).toThrow(/no reward/);
  });

  it('keeps the sample a reward function scores highest, or the best sum with the RM', () => {
    const seen: number[][] = [];
    const longest: RewardFunction = (rows, responses) => {
      seen.push([...rows]);
      return responses.map((r) => r.length);
    };
    const byFn = bestOfN(policy, null, tok, prompts, { ...opts, rewardFunction: longest });
    // one call with every sample, each with its prompt's index
    expect(seen).toEqual([[0, 0, 0, 0, 0, 1, 1, 1, 1, 1]]);
    const byRm = bestOfN(policy, rm, tok, prompts, opts);
    byFn.forEach((r, i) => {
      // the same samples as the RM's run (the seed decides them), scored by their length
      expect(r.candidates.map((c) => c.ids)).toEqual(byRm[i].candidates.map((c) => c.ids));
      r.candidates.forEach((c) => {
        expect(c.score).toBe(c.response.length);
      });
      expect(r.best.score).toBe(Math.max(...r.candidates.map((c) => c.response.length)));
    });
    const both = bestOfN(policy, rm, tok, prompts, { ...opts, rewardFunction: longest });
    both.forEach((r, i) => {
      r.candidates.forEach((c, b) => {
        expect(c.score).toBeCloseTo(byRm[i].candidates[b].score + c.response.length, 5);
      });
    });
  });
});
