/**
 * `rein recipe stories`: RLHF of a real pretrained story model (llama2.c's stories260K) toward
 * kinder, non-violent, profanity-free stories — with no SFT step: the base model is the policy.
 *
 *   1. openings   the model's own first sentences (sampled from BOS), split into training and
 *                 held-out openings
 *   2. rankings   K continuations per training opening; simulated labelers, each with its own
 *                 noise, rank them by the lexicon gold (story-gold.ts) plus that noise — ranking
 *                 records (data/ranking.ts), written to rankings.jsonl
 *   3. RM         the base model with a scalar head, ranking loss over each ranking's pairs
 *                 (ranked-rm.ts); shifted so the base model's continuations score mean 0
 *   4. PPO        train/ppo against the RM, KL-held to the base model, rollouts continuing the raw
 *                 opening (not the chat template: this model never saw one)
 *   5. report     on held-out openings, with the same sampling seeds before and after: gold, RM
 *                 score, KL(policy ‖ base), and sample stories
 *
 * Every sequence is [BOS] opening continuation — the ids sampling produced, never re-tokenised
 * text — so the RM is trained on exactly the layout PPO's rollouts give it.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { toJsonl } from '../data/jsonl.js';
import { RankingRecord, rankingPairs } from '../data/ranking.js';
import { saveCheckpoint } from '../model/checkpoint.js';
import { generate } from '../model/generate.js';
import type { Transformer } from '../model/transformer.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { summedResponseLogProbs } from '../train/common/rollout.js';
import { loadCheckpointFor, RunInputError } from '../train/common/run-input.js';
import { RunLog } from '../train/common/run-log.js';
import { splitIndices } from '../train/common/shuffle-batches.js';
import { PpoConfig } from '../train/ppo/config.js';
import { trainPpo } from '../train/ppo/train.js';
import { scoreSequences } from '../train/reward/score.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { Rng } from '../util/rng.js';
import { mean } from '../util/stats.js';
import { type RankedSequences, trainRankedRm } from './ranked-rm.js';
import type { StoriesRecipeConfig } from './stories-config.js';
import { storyGold } from './story-gold.js';

export interface StoriesResult {
  /** Mean gold of continuations of the held-out openings, base model then RLHF policy. */
  gold_before: number;
  gold_after: number;
  /** Standard errors of those two means (spread of the continuations' gold / √n). */
  gold_before_se: number;
  gold_after_se: number;
  /** Mean RM score of the same continuations (the RM is centred on the base model's). */
  rm_before: number;
  rm_after: number;
  /** KL(policy ‖ base) in nats per continuation, on the policy's own held-out samples. */
  kl: number;
  /** RM agreement with the noise-free gold on held-out openings' continuations (pairwise). */
  rm_gold_accuracy: number;
  /** Labelers' agreement with the noise-free gold on the training rankings (pairwise). */
  labeler_gold_accuracy: number;
  rankings: number;
  eval_continuations: number;
  ppo_iterations: number;
  /** Mean PPO-rollout gold of the first and last iterations. */
  ppo_gold_first: number;
  ppo_gold_last: number;
  seconds: number;
}

/** [BOS] + the opening's tokens: what the model continues. */
function openingIds(tok: Tokenizer, text: string): number[] {
  return [...(tok.bosId !== null ? [tok.bosId] : []), ...tok.encode(text)];
}

/** The ids that end a story: the model marks a story's end with BOS (llama2.c) or EOS. */
function storyStopIds(tok: Tokenizer): number[] {
  return [tok.bosId, tok.eosId].filter((x): x is number => x !== null);
}

/** Text up to and including its first sentence end (null when none, or fewer than 4 words). */
export function firstSentence(text: string): string | null {
  const m = /^[^\n]*?[.!?](?=\s|$)/.exec(text.trim());
  if (!m) return null;
  const s = m[0].trim();
  return s.split(/\s+/).length >= 4 ? s : null;
}

/** `n` distinct first sentences of the model's own stories (sampled from BOS). */
export function sampleOpenings(
  model: Transformer,
  tok: Tokenizer,
  n: number,
  maxTokens: number,
  seed: number,
): string[] {
  const seen = new Set<string>();
  const start = openingIds(tok, '');
  const prompt = start.length > 0 ? start : [tok.eosId ?? 0];
  for (let round = 0; round < 20 && seen.size < n; round++) {
    const gens = generate(
      model,
      Array.from({ length: Math.max(16, 2 * (n - seen.size)) }, () => prompt),
      { maxNew: maxTokens, temperature: 1, stopIds: storyStopIds(tok), seed: seed * 7919 + round },
      tok,
    );
    for (const g of gens) {
      const s = firstSentence(g.text);
      if (s !== null && seen.size < n) seen.add(s);
    }
  }
  if (seen.size < n)
    throw new RunInputError(`the model gave only ${seen.size} distinct story openings of the ${n} asked for`);
  return [...seen];
}

interface Continuation {
  ids: number[];
  text: string;
}

/** `k` sampled continuations of each opening (rows: opening-major), seeded. */
function continuations(
  model: Transformer,
  tok: Tokenizer,
  prompts: readonly number[][],
  k: number,
  maxNew: number,
  seed: number,
): Continuation[] {
  const rows = prompts.flatMap((p) => Array.from({ length: k }, () => p));
  const out: Continuation[] = [];
  for (let i = 0; i < rows.length; i += 64) {
    const gens = generate(
      model,
      rows.slice(i, i + 64),
      { maxNew, temperature: 1, stopIds: storyStopIds(tok), seed: seed + i },
      tok,
    );
    out.push(...gens.map((g) => ({ ids: g.ids, text: g.text })));
  }
  return out;
}

/** Standard error of the mean: sample standard deviation / √n. */
function standardError(xs: readonly number[]): number {
  const m = mean(xs);
  const v = xs.reduce((a, x) => a + (x - m) ** 2, 0) / Math.max(1, xs.length - 1);
  return Math.sqrt(v / Math.max(1, xs.length));
}

/** Pairwise agreement of `scores` with `gold` within groups of k (gold ties give no pair). */
function agreement(scores: ArrayLike<number>, gold: ArrayLike<number>, k: number): number {
  let right = 0;
  let pairs = 0;
  for (let g = 0; g < gold.length; g += k)
    for (let a = g; a < g + k; a++)
      for (let b = g; b < g + k; b++) {
        if (!(gold[a] > gold[b])) continue;
        const d = scores[a] - scores[b];
        right += d > 0 ? 1 : d === 0 ? 0.5 : 0;
        pairs++;
      }
  return pairs > 0 ? right / pairs : Number.NaN;
}

/** Runs the whole recipe; writes rankings.jsonl, rm/, policy/, samples.md, log.jsonl and result.json. */
export function runStoriesRecipe(cfg: StoriesRecipeConfig, options: { quiet?: boolean } = {}): StoriesResult {
  const t0 = Date.now();
  const say = (m: string) => {
    if (!options.quiet) console.error(`recipe stories: ${m}`);
  };
  const { model: base, tok } = loadCheckpointFor('model', cfg.model, cfg.tokenizer || null);
  if (base.hasScalarHead)
    throw new RunInputError(`--model ${cfg.model}: a reward model, not a language model`);
  if (cfg.openingTokens + cfg.continuationTokens >= base.config.contextLength)
    throw new RunInputError(
      `--openingTokens ${cfg.openingTokens} + --continuationTokens ${cfg.continuationTokens} do not fit the model's context of ${base.config.contextLength}`,
    );
  const padId = tok.padId ?? 0;
  const K = cfg.candidates;
  rmSync(join(cfg.out, 'log.jsonl'), { force: true }); // a rerun into the same folder starts a new log
  const log = new RunLog(join(cfg.out, 'log.jsonl'));

  // 1. openings: the model's own first sentences; the first ones train, the rest are held out
  const openings = sampleOpenings(
    base,
    tok,
    cfg.trainOpenings + cfg.evalOpenings,
    cfg.openingTokens,
    cfg.seed,
  );
  const trainOpenings = openings.slice(0, cfg.trainOpenings);
  const evalOpenings = openings.slice(cfg.trainOpenings);
  say(`${openings.length} openings sampled from the model, e.g. "${openings[0]}"`);

  // 2. rankings: K continuations per opening, ranked by gold + each labeler's noise
  const rankingPrompts = trainOpenings.flatMap((o) =>
    Array.from({ length: cfg.rankingsPerOpening }, () => openingIds(tok, o)),
  );
  const conts = continuations(base, tok, rankingPrompts, K, cfg.continuationTokens, cfg.seed * 1_000_003 + 1);
  const gold = Float64Array.from(conts, (c) => storyGold(c.text).gold);
  const goldMean = mean(gold);
  const spread = Math.sqrt(mean(gold.map((g) => (g - goldMean) ** 2))) || 1;
  const rng = new Rng(cfg.seed + 5);
  const records: RankingRecord[] = [];
  const ranked: RankedSequences[] = [];
  const noisy = new Float64Array(gold.length);
  rankingPrompts.forEach((prompt, r) => {
    const labeler = r % cfg.labelers;
    const sigma = cfg.labelerNoise * spread * (0.5 + labeler / cfg.labelers);
    const idx = Array.from({ length: K }, (_, j) => r * K + j);
    for (const i of idx) noisy[i] = gold[i] + rng.normal(0, sigma);
    const order = [...idx].sort((a, b) => noisy[b] - noisy[a]);
    const record = RankingRecord.parse({
      id: `stories-${cfg.seed}-${r}`,
      round: 'stories',
      labeler: `simulated-${labeler}`,
      prompt: {
        id: `opening-${Math.floor(r / cfg.rankingsPerOpening)}`,
        text: trainOpenings[Math.floor(r / cfg.rankingsPerOpening)],
        lang: 'en',
      },
      candidates: idx.map((i, j) => ({ id: `c${j}`, text: conts[i].text })),
      ordering: order.map((i) => [`c${i - r * K}`]),
      flags: {},
    });
    records.push(record);
    ranked.push({
      seqs: idx.map((i) => ({ ids: [...prompt, ...conts[i].ids], responseStart: prompt.length })),
      pairs: rankingPairs(record),
    });
  });
  writeFileAtomic(join(cfg.out, 'rankings.jsonl'), toJsonl(records));
  const labelerGold = agreement(noisy, gold, K);
  say(
    `${records.length} rankings of ${K} by ${cfg.labelers} simulated labelers (agreeing with gold on ${(100 * labelerGold).toFixed(0)} % of pairs)`,
  );

  // 3. the reward model, then centred on the base model's continuations
  const split = splitIndices(ranked.length, cfg.rmTuneFraction, cfg.seed);
  const rm0 = base.clone({ scalarHead: 'fresh', rng: new Rng(cfg.seed + 11) });
  const trained = trainRankedRm(
    rm0,
    split.train.map((i) => ranked[i]),
    split.heldout.map((i) => ranked[i]),
    {
      epochs: cfg.rmEpochs,
      batchRankings: cfg.rmBatchRankings,
      lr: cfg.rmLr,
      weightDecay: 0,
      seed: cfg.seed,
      padId,
      evalsPerEpoch: 2,
      log,
      quiet: options.quiet,
    },
  );
  const rm = trained.model;
  const shift = mean(
    scoreSequences(
      rm,
      ranked.flatMap((g) => g.seqs),
      padId,
    ),
  );
  rm.params.get('scalar_head.bias')!.data[0] -= shift;
  say(
    `reward model: ${(100 * trained.tuneAccuracy).toFixed(0)} % on held-out rankings (labelers' noisy order)`,
  );

  // held-out openings: continuations of the base model, their gold, the RM's agreement with it
  const evalPrompts = evalOpenings.map((o) => openingIds(tok, o));
  const evalSeed = cfg.seed * 1_000_003 + 2;
  const before = continuations(base, tok, evalPrompts, cfg.evalSamples, cfg.continuationTokens, evalSeed);
  const rowsPrompts = evalPrompts.flatMap((p) => Array.from({ length: cfg.evalSamples }, () => p));
  const seqsOf = (cs: Continuation[]) =>
    cs.map((c, i) => ({ ids: [...rowsPrompts[i], ...c.ids], responseStart: rowsPrompts[i].length }));
  const goldBefore = before.map((c) => storyGold(c.text).gold);
  const rmBefore = scoreSequences(rm, seqsOf(before), padId);
  const rmGold = agreement(rmBefore, goldBefore, cfg.evalSamples);
  say(`reward model agrees with the gold on ${(100 * rmGold).toFixed(0)} % of held-out pairs`);

  // 4. PPO: the base model is the policy and the frozen reference; the value model starts from the RM
  const policy = base.clone();
  const ppoCfg = PpoConfig.parse({
    out: join(cfg.out, 'ppo'),
    iterations: cfg.ppoIterations,
    rolloutBatch: cfg.ppoRolloutBatch,
    maxNew: cfg.continuationTokens,
    minibatch: cfg.ppoMinibatch,
    ppoEpochs: cfg.ppoEpochs,
    lr: cfg.ppoLr,
    valueLr: 1e-3,
    kl: { beta: cfg.klBeta },
    noEosPenalty: 0, // stories run past the rollout length; that is no fault
    evalEvery: 0,
    saveEvery: 0,
    seed: cfg.seed,
  });
  const history = trainPpo(
    { policy, reference: base, rewardModel: rm, value: rm.clone() },
    tok,
    trainOpenings,
    ppoCfg,
    {
      log,
      quiet: options.quiet,
      gold: (_rows, texts) => texts.map((t) => storyGold(t).gold),
      encodePrompt: (o) => openingIds(tok, o),
      stopIds: storyStopIds(tok),
    },
  );

  // 5. the same held-out openings and seeds through the policy
  const after = continuations(policy, tok, evalPrompts, cfg.evalSamples, cfg.continuationTokens, evalSeed);
  const goldAfter = after.map((c) => storyGold(c.text).gold);
  const rmAfter = scoreSequences(rm, seqsOf(after), padId);
  const afterIds = after.map((c) => c.ids);
  const lpPolicy = summedResponseLogProbs(policy, rowsPrompts, afterIds, padId);
  const lpBase = summedResponseLogProbs(base, rowsPrompts, afterIds, padId);
  const kl = mean(lpPolicy.map((p, i) => p - lpBase[i]));

  const result: StoriesResult = {
    gold_before: mean(goldBefore),
    gold_after: mean(goldAfter),
    gold_before_se: standardError(goldBefore),
    gold_after_se: standardError(goldAfter),
    rm_before: mean(rmBefore),
    rm_after: mean(rmAfter),
    kl,
    rm_gold_accuracy: rmGold,
    labeler_gold_accuracy: labelerGold,
    rankings: records.length,
    eval_continuations: before.length,
    ppo_iterations: history.length,
    ppo_gold_first: history[0]?.gold ?? Number.NaN,
    ppo_gold_last: history.at(-1)?.gold ?? Number.NaN,
    seconds: (Date.now() - t0) / 1000,
  };
  const samples = evalOpenings.slice(0, 4).map((o, i) => {
    const j = i * cfg.evalSamples;
    return [
      `### ${o}`,
      '',
      `**before** (gold ${goldBefore[j].toFixed(2)}): ${before[j].text.trim()}`,
      '',
      `**after** (gold ${goldAfter[j].toFixed(2)}): ${after[j].text.trim()}`,
      '',
    ].join('\n');
  });
  writeFileAtomic(
    join(cfg.out, 'samples.md'),
    `# Stories before and after RLHF (same openings, same sampling seeds)\n\n${samples.join('\n')}`,
  );
  saveCheckpoint(join(cfg.out, 'rm'), rm, tok, { method: 'reward-model', recipe: 'stories', config: cfg });
  saveCheckpoint(join(cfg.out, 'policy'), policy, tok, {
    method: 'ppo',
    recipe: 'stories',
    config: cfg,
    result,
  });
  log.write({ event: 'done', ...result });
  writeFileAtomic(join(cfg.out, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}
