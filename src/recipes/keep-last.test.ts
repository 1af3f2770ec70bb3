import { describe, expect, it } from 'vitest';
import { encodeChat } from '../tokenizer/chat-template.js';
import { toyTokenizer } from '../train/test-helpers/fixtures.js';
import { encodeKeepingLast } from './keep-last.js';

describe('encodeKeepingLast', () => {
  const tok = toyTokenizer();
  const end = tok.specialTokenId('<|end|>')!;
  const prompt = 'what is one ? what is two ? what is three ? what is four ?';

  it('keeps the reply and the end of the dialogue; short exchanges are unchanged', () => {
    const full = encodeChat(tok, prompt, 'it is four .');
    expect(
      encodeKeepingLast(tok, prompt, 'it is four .', { contextLength: 200, maxAnswerTokens: 50 }),
    ).toEqual({
      ids: full.ids,
      responseStart: full.responseStart,
    });
    const reply = full.ids.slice(full.responseStart);
    const cut = encodeKeepingLast(tok, prompt, 'it is four .', {
      contextLength: reply.length + 5,
      maxAnswerTokens: reply.length,
    });
    expect(cut.ids).toHaveLength(reply.length + 5);
    expect(cut.ids.slice(cut.responseStart)).toEqual(reply);
    expect(cut.ids.slice(0, cut.responseStart)).toEqual(
      full.ids.slice(full.responseStart - 5, full.responseStart),
    );
  });

  it('caps a long reply at its first tokens plus the end token', () => {
    const answer = 'one two three four five six seven eight nine';
    const reply = encodeChat(tok, prompt, answer);
    const cut = encodeKeepingLast(tok, prompt, answer, { contextLength: 12, maxAnswerTokens: 4 });
    expect(cut.ids).toHaveLength(12);
    expect(cut.ids.slice(cut.responseStart)).toEqual([
      ...reply.ids.slice(reply.responseStart, reply.responseStart + 3),
      end,
    ]);
    expect(() => encodeKeepingLast(tok, prompt, answer, { contextLength: 8, maxAnswerTokens: 8 })).toThrow(
      /maxAnswerTokens 8 must be in 2 … contextLength−1/,
    );
  });
});
