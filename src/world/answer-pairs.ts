/**
 * Right-versus-wrong answer pairs: does a reward model know the facts?
 *
 * A reward model learns from rankings in which a right and a wrong answer usually differ in more
 * than the fact (phrasing, length, confidence). These pairs differ in the fact alone: one answer
 * sentence, filled once with the right value and once with a wrong one of the same kind. A reward
 * model that cannot tell them apart cannot teach a policy to stop fabricating, whatever PPO does.
 */
import { FACT_BY_KEY, parseArithKey } from './kb.js';
import type { WorldPrompt } from './records.js';
import { Rng } from './rng.js';
import { type Question, questionAnswer, questionTopic, questionVars, wrongValue } from './specs.js';
import { ANSWER_SENTENCES } from './styles.js';
import { fill } from './templates.js';

/** A right-vs-wrong pair; its `{prompt, chosen, rejected}` is the flat pair form `rein rm eval` reads. */
export interface AnswerPair {
  /** The prompt record's id. */
  id: string;
  family: 'fact' | 'math';
  prompt: string;
  /** The right answer. */
  chosen: string;
  /** The same sentence with a wrong value. */
  rejected: string;
}

function questionOf(p: WorldPrompt): Question | null {
  if (p.family === 'fact') {
    const fact = FACT_BY_KEY.get(p.entity);
    return fact ? { kind: 'fact', fact } : null;
  }
  if (p.family === 'math') {
    const arith = parseArithKey(p.entity);
    return arith ? { kind: 'arith', arith } : null;
  }
  return null;
}

/** One pair per fact and math prompt (other families are skipped). Deterministic in `seed`. */
export function answerPairs(prompts: readonly WorldPrompt[], seed = 'answer-pairs'): AnswerPair[] {
  const rng = new Rng(seed);
  const out: AnswerPair[] = [];
  for (const p of prompts) {
    const q = questionOf(p);
    if (q === null || (p.family !== 'fact' && p.family !== 'math')) continue;
    const sentence = rng.pick(ANSWER_SENTENCES[questionTopic(q)][p.lang]);
    const right = questionAnswer(q, p.lang);
    const wrong = wrongValue(q, p.lang, rng);
    out.push({
      id: p.id,
      family: p.family,
      prompt: p.text,
      chosen: fill(sentence, questionVars(q, p.lang, right)),
      rejected: fill(sentence, questionVars(q, p.lang, wrong)),
    });
  }
  return out;
}
