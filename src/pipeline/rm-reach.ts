/**
 * How far a reward model's judgement reaches beyond its rankings: its pairwise accuracy on a
 * policy's own answers — every two answers to one prompt whose gold differs — family by family, on
 * RL prompts (entities the rankings and PPO cover) and on the held-out evaluation prompts (entities
 * no training prompt names). PPO learns where the first figure is high; what it learns carries to
 * the evaluation only as far as the second one goes.
 */
import type { FamilyAccuracy, RmReach } from '../eval/report/rm-reach.js';
import type { Transformer } from '../model/transformer.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { orderedShare, type ScoredGroup, scoreAnswers } from '../train/reward/score.js';
import { FAMILIES } from '../world/families.js';
import type { Judgement } from '../world/judge.js';
import type { WorldPrompt } from '../world/records.js';

/** Answers to prompts (answers[i] answers prompts[i]; a prompt may come several times) and their gold. */
export interface JudgedAnswers {
  prompts: readonly WorldPrompt[];
  answers: readonly string[];
  judgements: readonly Pick<Judgement, 'gold'>[];
}

/**
 * Per family, the share of pairs of answers to one prompt, gold differing, that `rm` orders like
 * gold (orderedShare: a tie in score counts one half); null where a family has no such pair.
 */
export function onPolicyAccuracy(
  rm: Transformer,
  tok: Tokenizer,
  set: JudgedAnswers,
): Record<string, FamilyAccuracy> {
  // scored in the given order (a batch's neighbours move a score's last bits), then read prompt by prompt
  const scores = scoreAnswers(
    rm,
    tok,
    set.prompts.map((p) => p.text),
    set.answers,
    rm.config.contextLength,
  );
  const answersOf = new Map<string, number[]>();
  set.prompts.forEach((p, i) => {
    const list = answersOf.get(p.id);
    if (list) list.push(i);
    else answersOf.set(p.id, [i]);
  });
  const prompts = [...answersOf.values()];
  const byPrompt = prompts.flat().map((i) => scores[i]);
  const gold = set.judgements.map((j) => j.gold);
  const groups = prompts.map((answers) => {
    const pairs: ScoredGroup['pairs'][number][] = [];
    for (let x = 0; x < answers.length; x++)
      for (let y = x + 1; y < answers.length; y++) {
        const goldDiff = gold[answers[x]] - gold[answers[y]];
        if (Math.abs(goldDiff) < 1e-9) continue; // equally good: no right order to get
        pairs.push(goldDiff > 0 ? { winner: x, loser: y } : { winner: y, loser: x });
      }
    return { family: set.prompts[answers[0]].family, size: answers.length, pairs };
  });
  return Object.fromEntries(
    FAMILIES.filter((f) => groups.some((g) => g.family === f)).map((f) => {
      const { accuracy, pairs } = orderedShare(
        byPrompt,
        groups.map((g) => (g.family === f ? g : { size: g.size, pairs: [] })),
      );
      return [f, { accuracy: pairs > 0 ? accuracy : null, pairs }];
    }),
  );
}

/** `rm`'s on-policy accuracy on the RL prompts' answers and on the held-out prompts' answers. */
export function rmReach(rm: Transformer, tok: Tokenizer, rl: JudgedAnswers, heldout: JudgedAnswers): RmReach {
  return { rl: onPolicyAccuracy(rm, tok, rl), heldout: onPolicyAccuracy(rm, tok, heldout) };
}
