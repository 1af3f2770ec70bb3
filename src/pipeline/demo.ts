/**
 * `rein demo`: the whole alignment story on the assistant world, one stage after another.
 *
 *   world → base model (pretrained: it misbehaves) → SFT on demonstrations (fixes what they cover)
 *   → round 1: K candidates per prompt, ranked by simulated labelers blind to one problem
 *   → reward model → PPO (aligns the rest — except the blind spot)
 *   → probe finds the blind spot → focused round 2 → RM patched (with replay) → PPO again
 *   → DPO and best-of-N for comparison → evaluation of every stage → report.json + report.html
 *
 * Every stage writes its outputs under OUT/ and is skipped when run again (stage-runner.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonl, toJsonl } from '../data/jsonl.js';
import type { MisalignmentLabel } from '../data/labels.js';
import { RankingRecord } from '../data/ranking.js';
import { type DemoReport, type RoundSummary, renderReportHtml } from '../eval/report/demo-report.js';
import { checkTargets } from '../eval/report/targets.js';
import { loadModel } from '../model/checkpoint.js';
import type { Transformer } from '../model/transformer.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { bestOfN, bonKlBound } from '../train/bon/best-of-n.js';
import type { Sequence } from '../train/common/batch.js';
import { textSequence } from '../train/common/prompt-data.js';
import { finishRunDir, LOG_FILE } from '../train/common/run-dir.js';
import { RunLog } from '../train/common/run-log.js';
import { DpoConfig } from '../train/dpo/config.js';
import { trainDpo } from '../train/dpo/train.js';
import { PpoConfig } from '../train/ppo/config.js';
import { type PpoIterationLog, trainPpo } from '../train/ppo/train.js';
import { PretrainConfig } from '../train/pretrain/config.js';
import { pretrain } from '../train/pretrain/train.js';
import { RewardConfig } from '../train/reward/config.js';
import { fromRanking, type RankedPrompt } from '../train/reward/data.js';
import { patchRewardModel } from '../train/reward/patch.js';
import { trainRewardModel } from '../train/reward/train.js';
import { SftConfig } from '../train/sft/config.js';
import { trainSft } from '../train/sft/train.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { Rng } from '../util/rng.js';
import { mean } from '../util/stats.js';
import { writeWorld } from '../world/build.js';
import { isOwnFamily } from '../world/families.js';
import { generateWorld, type World } from '../world/generate.js';
import { judge } from '../world/judge.js';
import type { WorldPrompt } from '../world/records.js';
import type { DemoConfig } from './demo-config.js';
import { evaluateDemo, evaluateStage } from './demo-evaluation.js';
import { focusedRlPrompts } from './focused-rl-prompts.js';
import { answeredTimes } from './policy-eval.js';
import { probe, sampleCandidates, simulatedRound } from './rounds.js';
import { shippedBaseFor } from './shipped-base.js';
import { StageRunner } from './stage-runner.js';

/**
 * The held-out measurement of SFT, the reward model and DPO, taken at the end of each only: the
 * report reads the final figures, and taking them every 50 steps as well (the trainers' default,
 * for a curve in the run's log) cost the default run about 25 s, most of it the RM's (75 → 51 s).
 * A stage override still wins.
 */
const AT_THE_END = { evalEvery: 1_000_000 };

const VERSION = '0.1.0';

interface Loaded {
  model: Transformer;
  tok: Tokenizer;
}

function load(dir: string): Loaded {
  const { model, tokenizer } = loadModel(dir);
  if (!tokenizer) throw new Error(`${dir}: the checkpoint has no tokenizer`);
  return { model, tok: tokenizer };
}

/**
 * A ranking's most informative pair for DPO: its best against its worst answer. One pair per
 * ranking keeps DPO's cost near the RM's (a K = 4 ranking has six pairs) and drops near-ties.
 */
function extremePair(r: RankedPrompt): RankedPrompt {
  if (r.pairs.length === 0) return r;
  const wins = new Map<number, number>();
  for (const { winner, loser } of r.pairs) {
    wins.set(winner, (wins.get(winner) ?? 0) + 1);
    wins.set(loser, (wins.get(loser) ?? 0) - 1);
  }
  const ranked = [...wins.entries()].sort((a, b) => b[1] - a[1]);
  return { ...r, pairs: [{ winner: ranked[0][0], loser: ranked[ranked.length - 1][0] }] };
}

/** Up to `perProblem` prompts from the families of each problem, shuffled, without repeats. */
function focusedPrompts(
  pool: readonly WorldPrompt[],
  problems: readonly MisalignmentLabel[],
  perProblem: number,
  seed: number,
): WorldPrompt[] {
  const rng = new Rng(seed);
  const chosen = new Map<string, WorldPrompt>();
  for (const label of problems) {
    for (const p of rng.shuffle(pool.filter((q) => isOwnFamily(label, q.family))).slice(0, perProblem))
      chosen.set(p.id, p);
  }
  return [...chosen.values()];
}

export async function runDemo(cfg: DemoConfig): Promise<DemoReport> {
  const t0 = Date.now();
  const out = cfg.out;
  // what the report's evaluation alone reads may change between runs of one OUT; nothing else may
  const { out: _out, evalSamples: _samples, samplesPerFamily: _shown, ...stageSettings } = cfg;
  const stages = new StageRunner(out, stageSettings);
  const dir = (name: string) => join(out, name);
  const maxNew = cfg.maxNew;
  const sampling = { maxNew, temperature: cfg.evalTemperature };
  const blindSpot = (cfg.blindSpot || null) as MisalignmentLabel | null;

  // 1. the world: knowledge, prompts, corpora and splits, all from one seed
  const world: World = generateWorld({ seed: String(cfg.seed), ...cfg.world });
  stages.run('world', () => writeWorld(world, dir('world')));

  // 2. a base model pretrained on the world's corpus: fluent, and misaligned like its corpus
  //    (the user's, the shipped one when it read exactly this corpus, or pretrained here)
  const shipped = cfg.base || cfg.pretrainBase ? null : shippedBaseFor(dir('world'));
  const baseDir = cfg.base || shipped || dir('base');
  const baseSource = cfg.base ? 'given' : shipped ? 'shipped' : 'pretrained';
  process.stderr.write(`  base model: ${baseSource} (${baseDir})\n`);
  if (baseSource === 'pretrained') {
    stages.run('pretrain', () => {
      const r = pretrain(
        PretrainConfig.parse({
          world: dir('world'),
          out: dir('base'),
          seed: cfg.seed,
          ...cfg.pretrain,
        }),
      );
      return { parameters: r.parameters, tokens: r.tokens, heldoutLoss: r.heldoutLoss };
    });
  }
  const base = load(baseDir);
  const tok = base.tok;

  // 3. SFT: imitation of the demonstrations (which cover only some families)
  const sftDir = dir('sft');
  stages.run('sft', () => {
    const model = base.model.clone();
    const sftCfg = SftConfig.parse({ out: dir('sft'), seed: cfg.seed, ...AT_THE_END, ...cfg.sft });
    const r = trainSft(model, tok, world.demos, sftCfg, { log: new RunLog(join(dir('sft'), LOG_FILE)) });
    finishRunDir(sftDir, model, tok, { method: 'sft', heldout_loss: r.heldoutLoss });
    return r;
  });
  const sft = load(sftDir).model;

  // 4. round 1: K candidates per ranking prompt from SFT and base, ranked by labelers with a blind spot
  const round1 = stages.run('round1', () => {
    const candidates = sampleCandidates([sft, base.model], tok, world.rank, cfg.k, {
      ...sampling,
      temperature: 1,
      seed: cfg.seed,
    });
    const r = simulatedRound(world.rank, candidates, {
      round: 'round1',
      labelers: cfg.labelers,
      seed: cfg.seed,
      agreementShare: cfg.agreementShare,
      blindSpot,
      temperature: cfg.labelerTemperature,
      muchWorseAt: cfg.muchWorseAt,
    });
    writeFileAtomic(join(dir('round1'), 'rankings.jsonl'), toJsonl(r.rankings));
    return {
      rankings: r.rankings,
      agreement: {
        all: r.agreement.rate ?? Number.NaN,
        goldDiffer: r.agreement.rateGoldDiffer ?? Number.NaN,
      },
    };
  });

  // 5. the reward model, from SFT with a scalar head, on round 1's rankings
  const rmCfg = RewardConfig.parse({ out: dir('rm1'), seed: cfg.seed, ...AT_THE_END, ...cfg.rm });
  const rm1 = stages.run('rm1', () =>
    trainRm(sft, tok, round1.rankings.map(fromRanking), rmCfg, world, dir('rm1')),
  );

  // 6. PPO against round 1's reward model, held near SFT
  const ppoCfg = (name: string) =>
    PpoConfig.parse({ out: dir(name), seed: cfg.seed, ptxCoef: cfg.ptxCoef, ...cfg.ppo });
  // PPO-ptx on the pretraining documents — the facts and sums the base learned — and not on the
  // dialogues, whose misaligned half is what PPO is there to remove (encoded only when a PPO stage runs)
  let ptxDocs: Sequence[] | null = null;
  const ptx = () =>
    (ptxDocs ??= world.pretrain.flatMap((r) =>
      r.kind === 'doc' ? [textSequence(tok, r.text, base.model.config.contextLength)] : [],
    ));
  const ppo1 = stages.run('ppo1', () =>
    runPpo(sft, sft, load(dir('rm1')).model, tok, world.rl, ppoCfg('ppo1'), dir('ppo1'), ptx()),
  );

  // 7. closing the loop: probe the policy, a focused round on what it still does wrong, patch, re-align
  let finalPpoDir = dir('ppo1');
  let finalHistory = ppo1.history;
  const rounds: RoundSummary[] = [];
  const evalSet = answeredTimes(world.eval, cfg.evalSamples);
  const ppo1Eval = evaluateStage('ppo_round1', load(finalPpoDir).model, tok, evalSet, sampling, cfg.seed);
  rounds.push({
    name: 'round 1',
    blind_spot: blindSpot,
    focus: [],
    rankings: round1.rankings.length,
    rm_heldout_accuracy: rm1.heldoutAccuracy,
    policy: ppo1Eval.metrics,
  });
  // the probe's RL prompts, each answered probeSamples times, and its sampling
  const probeSet = answeredTimes(
    new Rng(cfg.seed).shuffle([...world.rl]).slice(0, Math.min(world.rl.length, 400)),
    cfg.probeSamples,
  );
  const probeSampling = { ...sampling, seed: cfg.seed + 5 };
  if (cfg.patch) {
    const found = stages.run('probe', () =>
      probe(load(finalPpoDir).model, tok, probeSet, { ...probeSampling, threshold: cfg.probeThreshold }),
    );
    if (found.problems.length > 0) {
      // one focused round on every problem the probe found, each looked at twice as hard
      const focus = Object.fromEntries(found.problems.map((l) => [l, 2]));
      const round2 = stages.run('round2', () => {
        const prompts = focusedPrompts(world.rank, found.problems, cfg.patchPrompts, cfg.seed + 2);
        const candidates = sampleCandidates([load(finalPpoDir).model, sft], tok, prompts, cfg.k, {
          ...sampling,
          temperature: 1,
          seed: cfg.seed + 2,
        });
        const r = simulatedRound(prompts, candidates, {
          round: 'round2',
          labelers: cfg.labelers,
          seed: cfg.seed,
          agreementShare: cfg.agreementShare,
          focus,
          temperature: cfg.labelerTemperature,
          muchWorseAt: cfg.muchWorseAt,
        });
        writeFileAtomic(join(dir('round2'), 'rankings.jsonl'), toJsonl(r.rankings));
        return { rankings: r.rankings, focus: found.problems };
      });
      const rm2 = stages.run('rm2', () => {
        const rm = load(dir('rm1')).model;
        const heldSet = new Set(rm1.heldoutIds);
        const oldAll = round1.rankings.map(fromRanking);
        const oldHeld = round1.rankings.filter((r) => heldSet.has(r.id)).map(fromRanking);
        const oldTrain = round1.rankings.filter((r) => !heldSet.has(r.id)).map(fromRanking);
        const patchCfg = RewardConfig.parse({ ...rmCfg, out: dir('rm2') });
        const p = patchRewardModel(
          rm,
          tok,
          round2.rankings.map(fromRanking),
          oldTrain,
          oldHeld,
          patchCfg,
          cfg.replay,
          {
            log: new RunLog(join(dir('rm2'), LOG_FILE)),
            demosForNormalization: world.demos,
          },
        );
        finishRunDir(dir('rm2'), rm, tok, {
          method: 'rm-patch',
          old_heldout_accuracy: p.oldAfter,
          new_heldout_accuracy: p.newAfter,
        });
        return { ...p, newHeldout: [], heldoutAccuracy: p.newAfter, oldCount: oldAll.length };
      });
      // PPO again from the round-1 policy (--patchRlFocus leans its rollouts towards the probed problems)
      const ppo2 = stages.run('ppo2', () =>
        runPpo(
          load(finalPpoDir).model,
          sft,
          load(dir('rm2')).model,
          tok,
          focusedRlPrompts(world.rl, found.rates, found.problems, cfg.patchRlFocus, cfg.seed + 3),
          ppoCfg('ppo2'),
          dir('ppo2'),
          ptx(),
        ),
      );
      finalPpoDir = dir('ppo2');
      finalHistory = [
        ...ppo1.history,
        ...ppo2.history.map((h) => ({ ...h, iteration: h.iteration + ppo1.history.length })),
      ];
      rounds.push({
        name: 'round 2 (patch)',
        blind_spot: null,
        focus: round2.focus,
        rankings: round2.rankings.length,
        rm_heldout_accuracy: rm2.newAfter,
        rm_old_heldout_accuracy: rm2.oldAfter,
        policy: { ...ppo1Eval.metrics }, // replaced below by the final evaluation
      });
    }
  }

  // 8. the alternatives: DPO on the same rankings (no RM, no sampling), best-of-N against the final RM
  const round2File = join(dir('round2'), 'rankings.jsonl');
  const allRankings = [
    ...round1.rankings,
    ...(existsSync(round2File) ? readJsonl(round2File, RankingRecord) : []),
  ];
  stages.run('dpo', () => {
    const model = sft.clone();
    const dpoCfg = DpoConfig.parse({ out: dir('dpo'), seed: cfg.seed, ...AT_THE_END, ...cfg.dpo });
    const r = trainDpo(model, tok, allRankings.map(fromRanking).map(extremePair), dpoCfg, {
      log: new RunLog(join(dir('dpo'), LOG_FILE)),
    });
    finishRunDir(dir('dpo'), model, tok, { method: 'dpo', heldout_accuracy: r.heldout.accuracy });
    return { steps: r.steps, heldoutAccuracy: r.heldout.accuracy };
  });
  const finalRm = load(rounds.length > 1 ? dir('rm2') : dir('rm1')).model;
  const bonPrompts = world.eval.slice(0, cfg.size === 'toy' ? 8 : 200);
  const bonCurve = stages.run('best-of-n', () => {
    const ns = cfg.bestOfN;
    const results = bestOfN(
      sft,
      finalRm,
      tok,
      bonPrompts.map((p) => p.text),
      {
        n: Math.max(...ns),
        maxNew,
        temperature: cfg.evalTemperature,
        seed: cfg.seed + 7,
        quiet: true,
      },
    );
    // for each N, the best of the first N samples: its RM score (proxy) and gold, at KL ≤ log N − (N−1)/N
    return ns.map((n) => {
      const picked = results.map((r) =>
        r.candidates.slice(0, n).reduce((a, c) => (c.score > a.score ? c : a)),
      );
      return {
        sqrt_kl: Math.sqrt(bonKlBound(n)),
        proxy: mean(picked.map((c) => c.score)),
        gold: mean(picked.map((c, i) => judge(bonPrompts[i], c.response).gold)),
      };
    });
  });

  // 9. evaluation of every stage on the held-out prompts, judged by gold (demo-evaluation.ts)
  const measurements = evaluateDemo({
    cfg,
    world,
    tok,
    models: {
      base: base.model,
      sft,
      rm1: load(dir('rm1')).model,
      finalRm,
      ppo1: load(dir('ppo1')).model,
      finalPolicy: load(finalPpoDir).model,
      dpo: load(dir('dpo')).model,
    },
    finalIsRound1: finalPpoDir === dir('ppo1'),
    evalSet,
    sampling,
    probeSet,
    probeSampling,
    ppo1Eval,
    rounds,
    round1,
    rm1,
    finalHistory,
    bonCurve,
  });
  const measured: Omit<DemoReport, 'targets'> = {
    rein_version: VERSION,
    created_at: new Date().toISOString(),
    config: cfg,
    base: { source: baseSource, dir: baseDir },
    ...measurements,
    timing_s: { ...stages.seconds, total: (Date.now() - t0) / 1000 + stages.secondsSkipped },
  };
  const report: DemoReport = { ...measured, targets: checkTargets(measured) };
  writeFileAtomic(join(out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileAtomic(join(out, 'report.html'), renderReportHtml(report));
  return report;
}

interface RmSummary {
  heldoutAccuracy: number;
  pairs: number;
  /** Ranking ids held out (by `round/labeler/prompt` id), for the patch's old held-out set. */
  heldoutIds: string[];
}

function trainRm(
  sft: Transformer,
  tok: Tokenizer,
  data: RankedPrompt[],
  cfg: RewardConfig,
  world: World,
  outDir: string,
): RmSummary {
  const rm = sft.clone({ scalarHead: 'fresh', rng: new Rng(cfg.seed) });
  const r = trainRewardModel(rm, tok, data, cfg, {
    log: new RunLog(join(outDir, LOG_FILE)),
    demosForNormalization: world.demos,
  });
  finishRunDir(outDir, rm, tok, { method: 'rm', heldout_accuracy: r.heldoutAccuracy });
  const held = new Set(r.heldout);
  return {
    heldoutAccuracy: r.heldoutAccuracy,
    pairs: data.reduce((n, d) => n + d.pairs.length, 0),
    heldoutIds: data.flatMap((d) => (held.has(d) && d.id ? [d.id] : [])),
  };
}

function runPpo(
  start: Transformer,
  reference: Transformer,
  rm: Transformer,
  tok: Tokenizer,
  prompts: readonly WorldPrompt[],
  cfg: PpoConfig,
  outDir: string,
  ptx: readonly Sequence[],
): { history: PpoIterationLog[] } {
  const policy = start.clone();
  const history = trainPpo(
    { policy, reference, rewardModel: rm, value: rm.clone() },
    tok,
    prompts.map((p) => p.text),
    cfg,
    {
      log: new RunLog(join(outDir, LOG_FILE)),
      gold: (rows, responses) => responses.map((text, i) => judge(prompts[rows[i]], text).gold),
    },
    ptx,
  );
  finishRunDir(outDir, policy, tok, { method: 'ppo', iterations: cfg.iterations });
  return { history };
}
