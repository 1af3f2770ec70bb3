import { describe, expect, it } from 'vitest';
import { FAMILIES } from '../world/families.js';
import type { WorldPrompt } from '../world/records.js';
import { focusedRlPrompts } from './focused-rl-prompts.js';

// 100 prompts per family, as the world's RL split has them (fewer)
const rl: WorldPrompt[] = FAMILIES.flatMap((family) =>
  Array.from(
    { length: 100 },
    (_, i) => ({ id: `${family}-${i}`, family, lang: 'en', text: `${family} ${i}` }) as WorldPrompt,
  ),
);
const shareOf = (list: readonly WorldPrompt[], families: readonly string[]) =>
  list.filter((p) => families.includes(p.family)).length / list.length;

describe('focusedRlPrompts', () => {
  it('keeps every prompt and gives the problem families the asked share, split by the probed rates', () => {
    const out = focusedRlPrompts(
      rl,
      { manipulation: 0.3, fabrication: 0.1 },
      ['manipulation', 'fabrication'],
      0.5,
      1,
    );
    expect(new Set(out.map((p) => p.id)).size).toBe(rl.length);
    // extra copies = 800 (the list doubles): 600 advice, 200 spread over fact, unknown and math
    expect(out.length).toBe(1600);
    expect(out.filter((p) => p.family === 'advice').length).toBe(100 + 600);
    expect(out.filter((p) => ['fact', 'unknown', 'math'].includes(p.family)).length).toBe(300 + 200);
    // the copies are the added part: round-robin over a family's prompts, no prompt copied twice before all once
    const adviceCounts = new Map<string, number>();
    for (const p of out) if (p.family === 'advice') adviceCounts.set(p.id, (adviceCounts.get(p.id) ?? 0) + 1);
    expect(Math.min(...adviceCounts.values())).toBe(7);
    expect(Math.max(...adviceCounts.values())).toBe(7);
    // the other families keep their prompts, once each: a smaller share, never none
    expect(shareOf(out, ['harmful'])).toBeCloseTo(100 / 1600, 6);
  });

  it('is the plain mix with share 0, no problem, or problems at rate 0', () => {
    expect(focusedRlPrompts(rl, { manipulation: 0.3 }, ['manipulation'], 0, 1)).toEqual(rl);
    expect(focusedRlPrompts(rl, {}, [], 0.5, 1)).toEqual(rl);
    expect(focusedRlPrompts(rl, { toxic: 0 }, ['toxic'], 0.5, 1)).toEqual(rl);
  });

  it('is seeded, and refuses a share of 1 (the plain mix would vanish)', () => {
    const a = focusedRlPrompts(rl, { sycophancy: 0.2 }, ['sycophancy'], 0.25, 3);
    expect(focusedRlPrompts(rl, { sycophancy: 0.2 }, ['sycophancy'], 0.25, 3)).toEqual(a);
    expect(a.length).toBe(800 + 267);
    expect(() => focusedRlPrompts(rl, { sycophancy: 0.2 }, ['sycophancy'], 1, 3)).toThrow(/share 1/);
  });
});
