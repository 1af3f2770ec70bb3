import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import { bagOfWordsAccuracy, bagOfWordsScore, topWords, trainBagOfWords, words } from './bag-of-words.js';

/** Pairs where a hidden word list decides: answers with more "kind" than "rude" words win, with label noise. */
function synthetic(n: number, seed: number, noise: number) {
  const rng = new Rng(seed);
  const kind = ['sorry', 'please', 'safe', 'help'];
  const rude = ['stupid', 'hate', 'steal', 'weapon'];
  const filler = ['the', 'a', 'you', 'can', 'it', 'is', 'to', 'and', 'of', 'that'];
  const pick = (xs: string[]) => xs[Math.floor(rng.uniform() * xs.length)];
  const answer = (good: boolean) =>
    Array.from({ length: 8 }, () => (rng.uniform() < 0.25 ? pick(good ? kind : rude) : pick(filler))).join(
      ' ',
    );
  return Array.from({ length: n }, () => {
    const [better, worse] = [answer(true), answer(false)];
    return rng.uniform() < noise ? { chosen: worse, rejected: better } : { chosen: better, rejected: worse };
  });
}

describe('bag-of-words preference baseline', () => {
  it('splits words the way the features are counted', () => {
    expect(words("I can't help, SORRY! 42 times.")).toEqual(['i', "can't", 'help', 'sorry', '42', 'times']);
  });

  it('learns which words win, and generalises to new pairs', () => {
    const model = trainBagOfWords(synthetic(400, 1, 0.1));
    const test = synthetic(300, 2, 0);
    expect(bagOfWordsAccuracy(model, test)).toBeGreaterThan(0.9);
    const { better, worse } = topWords(model, 4);
    expect(new Set(better)).toEqual(new Set(['sorry', 'please', 'safe', 'help']));
    expect(new Set(worse)).toEqual(new Set(['stupid', 'hate', 'steal', 'weapon']));
    expect(bagOfWordsScore(model, 'sorry sorry')).toBeCloseTo(2 * bagOfWordsScore(model, 'sorry'), 10);
    expect(bagOfWordsScore(model, 'never seen words')).toBe(0);
  });

  it('stronger L2 shrinks the weights; pure noise stays near chance', () => {
    const data = synthetic(200, 3, 0.1);
    const norm = (lambda: number) => {
      const m = trainBagOfWords(data, { lambdas: [lambda] });
      return Math.hypot(...m.weights);
    };
    expect(norm(30)).toBeLessThan(norm(0.3));
    const noise = synthetic(300, 4, 0.5);
    const m = trainBagOfWords(noise.slice(0, 200));
    expect(Math.abs(bagOfWordsAccuracy(m, noise.slice(200)) - 0.5)).toBeLessThan(0.15);
  });

  it('refuses an empty training set and bad lambdas', () => {
    expect(() => trainBagOfWords([])).toThrow(/no training pairs/);
    expect(() => trainBagOfWords(synthetic(10, 5, 0), { lambdas: [0] })).toThrow(/lambdas must be positive/);
  });
});
