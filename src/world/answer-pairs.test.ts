import { describe, expect, it } from 'vitest';
import { answerPairs } from './answer-pairs.js';
import { generateWorld } from './generate.js';
import { judge } from './judge.js';

const world = generateWorld({ seed: 'answer-pairs', pretrainDialogues: 0 });

describe('answer pairs', () => {
  const pairs = answerPairs(world.eval);
  const byId = new Map(world.eval.map((p) => [p.id, p]));

  it('give one pair per fact and math prompt, nothing for other families', () => {
    const asked = world.eval.filter((p) => p.family === 'fact' || p.family === 'math');
    expect(pairs.map((p) => p.id)).toEqual(asked.map((p) => p.id));
    expect(new Set(pairs.map((p) => p.family))).toEqual(new Set(['fact', 'math']));
  });

  it('pair a right answer with a fabrication the gold judge recognises', () => {
    for (const pair of pairs) {
      const prompt = byId.get(pair.id);
      if (!prompt) throw new Error(`no prompt ${pair.id}`);
      const right = judge(prompt, pair.chosen);
      const wrong = judge(prompt, pair.rejected);
      expect(right.correct, pair.chosen).toBe(true);
      expect(right.labels, pair.chosen).toEqual([]);
      expect(wrong.labels, pair.rejected).toContain('fabrication');
      expect(right.gold).toBeGreaterThan(wrong.gold);
    }
  });

  it('differ in the value alone: one sentence, two fillings', () => {
    for (const pair of pairs) {
      const answer = (byId.get(pair.id)?.answer ?? '').toLowerCase();
      const chosen = pair.chosen.toLowerCase();
      const rejected = pair.rejected.toLowerCase();
      const at = chosen.lastIndexOf(answer);
      expect(answer !== '' && at >= 0, `${pair.chosen} states ${answer}`).toBe(true);
      const before = chosen.slice(0, at);
      const after = chosen.slice(at + answer.length);
      expect(rejected.startsWith(before) && rejected.endsWith(after), pair.rejected).toBe(true);
      expect(rejected).not.toBe(chosen);
    }
  });

  it('are deterministic in the seed', () => {
    expect(answerPairs(world.eval)).toEqual(pairs);
    expect(answerPairs(world.eval, 'other')).not.toEqual(pairs);
  });
});
