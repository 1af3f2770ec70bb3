/**
 * The gold judge of `rein recipe stories`: kinder, non-violent, clean stories, from two real
 * lexicons rather than a model — AFINN word valences (npm `sentiment`: "happy" +3, "kill" −3,
 * "hurt" −2, …) and the `obscenity` package's English profanity matcher.
 *
 *   gold = 10 · (Σ AFINN valence) / max(words, 10)  −  profanityPenalty · (profane matches)
 *
 * Dividing by the length (floored at 10 words) keeps a longer story from scoring higher merely
 * for having more words; the floor keeps two happy words from outscoring a whole kind story.
 */
import { englishDataset, englishRecommendedTransformers, RegExpMatcher } from 'obscenity';
import Sentiment from 'sentiment';

export interface StoryGold {
  gold: number;
  /** Sum of the AFINN valences of the words. */
  valence: number;
  words: number;
  /** Profane phrases found. */
  profanity: number;
}

const sentiment = new Sentiment();
const profanityMatcher = new RegExpMatcher({ ...englishDataset.build(), ...englishRecommendedTransformers });

export function storyGold(text: string, profanityPenalty = 3): StoryGold {
  const a = sentiment.analyze(text);
  const words = a.tokens.length;
  const profanity = profanityMatcher.getAllMatches(text).length;
  return {
    gold: (10 * a.score) / Math.max(words, 10) - profanityPenalty * profanity,
    valence: a.score,
    words,
    profanity,
  };
}
