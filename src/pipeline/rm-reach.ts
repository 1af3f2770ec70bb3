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
import { scoreAnswers } from '../train/reward/score.js';
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
 * gold (a tie in score counts one half); null where a family has no such pair.
 */
export function onPolicyAccuracy(
  rm: Transformer,
  tok: Tokenizer,
  set: JudgedAnswers,
): Record<string, FamilyAccuracy> {
  const scores = scoreAnswers(
    rm,
    tok,
    set.prompts.map((p) => p.text),
    set.answers,
    rm.config.contextLength,
  );
  const gold = set.judgements.map((j) => j.gold);
  const answersOf = new Map<string, number[]>();
  set.prompts.forEach((p, i) => {
    const list = answersOf.get(p.id);
    if (list) list.push(i);
    else answersOf.set(p.id, [i]);
  });
  const tally = new Map<string, { right: number; pairs: number }>();
  for (const answers of answersOf.values()) {
    const family = set.prompts[answers[0]].family;
    let t = tally.get(family);
    if (t === undefined) {
      t = { right: 0, pairs: 0 };
      tally.set(family, t);
    }
    for (let x = 0; x < answers.length; x++)
      for (let y = x + 1; y < answers.length; y++) {
        const [a, b] = [answers[x], answers[y]];
        const goldDiff = gold[a] - gold[b];
        if (Math.abs(goldDiff) < 1e-9) continue; // equally good: no right order to get
        const scoreDiff = scores[a] - scores[b];
        t.right += scoreDiff === 0 ? 0.5 : scoreDiff * goldDiff > 0 ? 1 : 0;
        t.pairs++;
      }
  }
  return Object.fromEntries(
    FAMILIES.flatMap((f) => {
      const t = tally.get(f);
      return t ? [[f, { accuracy: t.pairs > 0 ? t.right / t.pairs : null, pairs: t.pairs }]] : [];
    }),
  );
}

/** `rm`'s on-policy accuracy on the RL prompts' answers and on the held-out prompts' answers. */
export function rmReach(rm: Transformer, tok: Tokenizer, rl: JudgedAnswers, heldout: JudgedAnswers): RmReach {
  return { rl: onPolicyAccuracy(rm, tok, rl), heldout: onPolicyAccuracy(rm, tok, heldout) };
}
