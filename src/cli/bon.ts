/**
 * `rein bon`: best-of-N sampling — N responses per prompt from a policy, the reward model's best
 * kept — written as JSONL {prompt, response, score, n}, with the KL bound log N − (N−1)/N.
 */

import { toJsonl } from '../data/jsonl.js';
import { bestOfN, bonKlBound } from '../train/bon/best-of-n.js';
import { BonConfig } from '../train/bon/config.js';
import { loadPrompts } from '../train/common/prompt-data.js';
import { runHelp } from '../train/common/run-args.js';
import {
  assertSameTokenizer,
  loadCheckpointFor,
  RunInputError,
  readInputFile,
} from '../train/common/run-input.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { saveResolvedConfig } from '../util/config.js';
import { mean } from '../util/stats.js';
import { loadRewardModel, trainingCommand } from './training-command.js';

const HELP = runHelp(
  'rein bon --policy CKPT --rm RM_CKPT --n N --prompts FILE --out FILE [options]',
  'Samples N responses per prompt (prompts batched together, each drawing the samples it would draw\n' +
    'alone with the same seed), scores them with the reward model and writes the best as JSONL\n' +
    '{prompt, response, score, n}; the resolved config goes beside it (OUT.config.json).\n' +
    'Prints the bound KL(best-of-N ‖ policy) ≤ log N − (N−1)/N.',
  BonConfig,
);

/** Where the resolved config of an output file goes: `best.jsonl` → `best.config.json`. */
function configPathFor(out: string): string {
  return `${out.replace(/\.jsonl$/, '')}.config.json`;
}

const SPEC = { name: 'bon', schema: BonConfig, help: HELP, required: ['policy', 'rm', 'prompts'] };

export const run = trainingCommand(SPEC, (cfg) => {
  const prompts = readInputFile('prompts', cfg.prompts, loadPrompts);
  if (prompts.length === 0) throw new RunInputError(`--prompts ${cfg.prompts}: no prompts in the file`);
  const { model: policy, tok } = loadCheckpointFor('policy', cfg.policy);
  const rmCk = loadRewardModel('rm', cfg.rm);
  assertSameTokenizer(tok, `--policy ${cfg.policy}`, rmCk.tok, `--rm ${cfg.rm}`);
  const kl = bonKlBound(cfg.n);
  console.error(`bon: N = ${cfg.n}: KL(best-of-N ‖ policy) ≤ log N − (N−1)/N = ${kl.toFixed(4)} nats`);
  let results: ReturnType<typeof bestOfN>;
  try {
    results = bestOfN(policy, rmCk.model, tok, prompts, cfg);
  } catch (e) {
    // a prompt longer than the context is the file's problem
    if (/leaving no room in the context/.test((e as Error).message))
      throw new RunInputError(`--prompts ${cfg.prompts}: ${(e as Error).message.replace(/^bestOfN: /, '')}`);
    throw e;
  }
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
    `bon: ${results.length} prompts, N = ${cfg.n}; mean RM score ${best.toFixed(3)} (best) vs ${all.toFixed(3)} (all samples); KL bound ${kl.toFixed(4)} nats → ${cfg.out}`,
  );
});
