import { describe, expect, it } from 'vitest';
import { fluency } from './fluency.js';
import { findItems, normalise, numbers, tokens } from './text.js';

describe('text helpers', () => {
  it('match the longest item first and mask it', () => {
    expect(findItems(normalise('高兴的反义词是难过。'), ['高', '高兴', '难过'])).toEqual(
      new Set(['高兴', '难过']),
    );
    expect(findItems(normalise('The capital of Mexico is Mexico City.'), ['Mexico', 'Mexico City'])).toEqual(
      new Set(['mexico', 'mexico city']),
    );
    expect(findItems(normalise('It is colder today.'), ['cold'])).toEqual(new Set());
    expect(findItems(normalise('Romeo.'), ['Rome'])).toEqual(new Set());
  });

  it('normalise full-width digits and apostrophes; read numbers and tokens', () => {
    expect(numbers(normalise('７加５等于１２。'))).toEqual([7, 5, 12]);
    expect(tokens(normalise('I don’t know 巴黎 42'))).toEqual(['i', "don't", 'know', '巴', '黎', '42']);
  });
});

describe('fluency', () => {
  it('is 1 for a plain answer in the prompt’s language', () => {
    expect(fluency('The capital of France is Paris.', 'en').score).toBe(1);
    expect(fluency('法国的首都是巴黎。', 'zh').score).toBe(1);
    expect(fluency('12', 'zh').score).toBeGreaterThan(0.8);
  });

  it('falls for degenerate text, saying why', () => {
    expect(fluency('', 'en')).toEqual({ score: 0, reasons: ['empty'] });
    const rep = fluency('Paris '.repeat(50), 'en');
    expect(rep.score).toBe(0);
    expect(rep.reasons.join(' ')).toMatch(/in a row/);
    expect(fluency('xq zvk plorb wug.', 'en').reasons.join(' ')).toMatch(/unknown words/);
    expect(fluency('🙂🙂🙂 ok 🙂🙂🙂', 'en').reasons.join(' ')).toMatch(/junk/);
    expect(fluency('Paris.', 'zh').score).toBeLessThan(0.6);
    expect(fluency('The capital of France is', 'en').reasons).toContain('unfinished');
  });

  it('accepts this world’s invented names as words', () => {
    expect(fluency('Belova Velmar Zorland.', 'en').score).toBe(1);
    expect(fluency('Xqorp Vvzzk Plrrb.', 'en').score).toBe(0);
  });
});
