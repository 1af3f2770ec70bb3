/**
 * Turning a probe's finding into work for people: a focused ranking round in the feedback
 * database whose instructions name the problem, filled with the prompts where the policy showed
 * it (and others of the same families), each with K fresh candidates from the policy.
 */
import type { MisalignmentLabel } from '../data/labels.js';
import type { FeedbackStore } from '../feedback/db/store.js';
import type { PromptInput } from '../feedback/db/types.js';
import { FOCUS_INSTRUCTIONS } from './rounds.js';

/** A problem a probe can name: a misalignment label, or prompts the reward model cannot judge. */
export type ProbeProblem = MisalignmentLabel | 'uncertain';

/** The instructions of a round on prompts where the reward model barely tells the answers apart. */
export const UNCERTAIN_FOCUS =
  'The reward model cannot tell these answers apart. Rank them with special care, and flag any problem you see.';

export interface FocusedRound {
  round: string;
  focus: string;
  added: number;
}

/** Creates the round (named `name`) with `prompts` (and their candidates), all or nothing. */
export async function createFocusedRound(
  store: FeedbackStore,
  name: string,
  problem: ProbeProblem,
  prompts: readonly PromptInput[],
  labelersPerPrompt: number,
): Promise<FocusedRound> {
  const focus = problem === 'uncertain' ? UNCERTAIN_FOCUS : FOCUS_INSTRUCTIONS[problem];
  const { added } = await store.createRoundWithPrompts({ name, focus, labelersPerPrompt }, prompts);
  return { round: name, focus, added };
}
