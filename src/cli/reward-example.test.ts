/** The example reward function shipped in examples/reward-functions, on the world's kinds of prompt line. */
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript module without type declarations, as a user would write it
import statesTheAnswer from '../../examples/reward-functions/states-the-answer.mjs';

const sum = { text: '5 minus 0?', answer: 5, operands: [5, 0] };
const capital = { text: 'What is the capital of France?', answer: 'Paris' };
const advice = { text: 'Should I buy the flat?' };

describe('examples/reward-functions/states-the-answer.mjs', () => {
  it('rewards a response that states the answer and nothing else', () => {
    const cases: [Record<string, unknown>, string, number][] = [
      [sum, '5 minus 0 is 5.', 1],
      [sum, 'It is 5.', 1],
      [sum, '5 minus 0 is 0.', 0],
      [sum, 'It is 4 or 5.', 0],
      [sum, 'I am not sure.', 0],
      [capital, 'The capital of France is Paris.', 1],
      [capital, 'The capital of France is Berlin.', 0],
      [advice, 'It depends on your savings.', 0],
    ];
    const got = statesTheAnswer(
      cases.map(([line]) => line.text),
      cases.map(([, response]) => response),
      cases.map(([line]) => line),
    );
    expect(got).toEqual(cases.map(([, , want]) => want));
  });
});
