/**
 * `rein bon`: best-of-N sampling — N responses per prompt from a policy, the best by the reward
 * model and/or a reward function kept — written as JSONL {prompt, response, score, n}, with the KL
 * bound log N − (N−1)/N.
 */

import { toJsonl } from '../data/jsonl.js';
import { bestOfN, bonKlBound } from '../train/bon/best-of-n.js';
import { BonConfig } from '../train/bon/config.js';
import { runHelp } from '../train/common/run-args.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { saveResolvedConfig } from '../util/config.js';
import { mean } from '../util/stats.js';
import { loadRewards } from './reward-module.js';
import { trainingCommand } from './training-command.js';

const HELP = runHelp(
  'rein bon --policy CKPT (--rm RM_CKPT | --reward FN.mjs) --n N --prompts FILE --out FILE [options]',
  'Samples N responses per prompt (prompts batched together, each drawing the samples it would draw\n' +
    'alone with the same seed), scores them with the reward model and/or the reward function FN.mjs\n' +
    '(added) and writes the best as JSONL {prompt, response, score, n}; the resolved config goes\n' +
    'beside it (OUT.config.json). FN.mjs: export default function reward(prompts, responses,\n' +
    "records) returning one number per response (records: each prompt's line).\n" +
    'Prints the bound KL(best-of-N ‖ policy) ≤ log N − (N−1)/N.',
  BonConfig,
);

/** What a sample's score is: the RM's, the reward function's, or their sum. */
function scoreName(cfg: { rm: string; reward: string }): string {
  if (cfg.rm && cfg.reward) return 'RM + function score';
  return cfg.rm ? 'RM score' : 'reward-function score';
}

/** Where the resolved config of an output file goes: `best.jsonl` → `best.config.json`. */
function configPathFor(out: string): string {
  return `${out.replace(/\.jsonl$/, '')}.config.json`;
}

const SPEC = { name: 'bon', schema: BonConfig, help: HELP, required: ['policy', 'prompts'] };

export const run = trainingCommand(SPEC, async (cfg) => {
  const { rewardModel, rewardFunction, inputs } = await loadRewards(cfg);
  const { prompts, policy, tok } = inputs;
  const kl = bonKlBound(cfg.n);
  console.error(`bon: N = ${cfg.n}: KL(best-of-N ‖ policy) ≤ log N − (N−1)/N = ${kl.toFixed(4)} nats`);
  const results = bestOfN(policy, rewardModel, tok, prompts, { ...cfg, rewardFunction });
  writeFileAtomic(
    cfg.out,
    toJsonl(
      results.map((r) => ({ prompt: r.prompt, response: r.best.response, score: r.best.score, n: cfg.n })),
    ),
  );
  saveResolvedConfig(configPathFor(cfg.out), cfg);
  const best = mean(results.map((r) => r.best.score));
  const all = mean(results.flatMap((r) => r.candidates.map((c) => c.score)));
  console.log(
    `bon: ${results.length} prompts, N = ${cfg.n}; mean ${scoreName(cfg)} ${best.toFixed(3)} (best) vs ${all.toFixed(3)} (all samples); KL bound ${kl.toFixed(4)} nats → ${cfg.out}`,
  );
});
