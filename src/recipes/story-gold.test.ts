import { describe, expect, it } from 'vitest';
import { storyGold } from './story-gold.js';

describe('storyGold', () => {
  it('scores kind stories above violent ones, and profanity below both', () => {
    const kind = storyGold('Lily gave her friend a hug. They were happy and laughed together in the sun.');
    const violent = storyGold('Tom hit the dog and it was hurt. He was angry and wanted to kill the bird.');
    const profane = storyGold('Tom said a shitty word and the fucking dog ran away from the park.');
    expect(kind.gold).toBeGreaterThan(0);
    expect(violent.gold).toBeLessThan(0);
    expect(profane.profanity).toBeGreaterThanOrEqual(2);
    expect(profane.gold).toBeLessThan(violent.gold);
    expect(kind.words).toBe(15);
  });

  it('divides by the length, floored at 10 words', () => {
    expect(storyGold('happy').gold).toBeCloseTo(3, 10); // AFINN happy = +3, over 10 words
    const one = storyGold('The sun was happy. The cat sat on the mat by the door all day long.');
    const twice = storyGold(
      'The sun was happy. The cat sat on the mat by the door all day long. The sun was happy. The cat sat on the mat by the door all day long.',
    );
    expect(twice.gold).toBeCloseTo(one.gold, 10);
    expect(storyGold('').gold).toBe(0);
  });
});
