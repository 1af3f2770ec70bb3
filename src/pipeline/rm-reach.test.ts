import { describe, expect, it } from 'vitest';
import { scoreAnswers } from '../train/reward/score.js';
import { tinyModel, toyTokenizer } from '../train/test-helpers/fixtures.js';
import { Rng } from '../util/rng.js';
import type { WorldPrompt } from '../world/records.js';
import { type JudgedAnswers, onPolicyAccuracy, rmReach } from './rm-reach.js';

const prompt = (id: string, family: WorldPrompt['family'], text: string): WorldPrompt => ({
  id,
  family,
  lang: 'en',
  text,
  template: 't',
  entity: id,
});

/**
 * Two math prompts answered three times each (the answers interleaved, as a repeated evaluation
 * lists them) and one advice prompt whose two answers gold cannot tell apart.
 */
function answers(): JudgedAnswers {
  const p1 = prompt('p1', 'math', 'what is one plus two ?');
  const p2 = prompt('p2', 'math', 'what is two plus two ?');
  const p3 = prompt('p3', 'advice', 'what is four ?');
  return {
    prompts: [p1, p2, p3, p1, p2, p3, p1, p2],
    answers: [
      'it is three .',
      'it is four .',
      'nice , it is four .',
      'rude , it is three .',
      'it is five .',
      'it is four .',
      'it is two .',
      'nice , it is four .',
    ],
    judgements: [2, 2, 1, 0.5, -1, 1, -1, 2].map((gold) => ({ gold })),
  };
}

describe('onPolicyAccuracy', () => {
  it('counts the pairs of answers to one prompt that gold tells apart, ordered by the RM as gold orders them', () => {
    const tok = toyTokenizer();
    const rm = tinyModel(tok.vocabSize, 3).clone({ scalarHead: 'fresh', rng: new Rng(4) });
    const set = answers();
    const texts = set.prompts.map((p) => p.text);
    const scores = scoreAnswers(rm, tok, texts, set.answers, rm.config.contextLength);
    // by hand: p1's answers are 0, 3, 6 (gold 2, 0.5, −1: three pairs), p2's are 1, 4, 7 (gold 2, −1,
    // 2: two pairs, the third equally good); never a pair across prompts
    const pairs: [number, number][] = [
      [0, 3],
      [0, 6],
      [3, 6],
      [1, 4],
      [7, 4],
    ];
    const right = pairs.reduce(
      (n, [w, l]) => n + (scores[w] > scores[l] ? 1 : scores[w] === scores[l] ? 0.5 : 0),
      0,
    );
    const byFamily = onPolicyAccuracy(rm, tok, set);
    expect(byFamily.math).toEqual({ accuracy: right / 5, pairs: 5 });
    expect(byFamily.advice).toEqual({ accuracy: null, pairs: 0 }); // no pair gold tells apart
    expect(Object.keys(byFamily)).toEqual(['math', 'advice']);
  });

  it('gives a reward model that scores every answer alike one half: each pair a tie', () => {
    const tok = toyTokenizer();
    const rm = tinyModel(tok.vocabSize, 3).clone({ scalarHead: 'fresh', rng: new Rng(4) });
    rm.params.get('scalar_head.weight')?.data.fill(0);
    const reach = rmReach(rm, tok, answers(), answers());
    expect(reach.rl.math).toEqual({ accuracy: 0.5, pairs: 5 });
    expect(reach.heldout.math).toEqual({ accuracy: 0.5, pairs: 5 });
  });
});
