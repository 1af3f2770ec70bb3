import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng.js';
import { NUMBER_WORDS, tinyModel, toyTokenizer } from '../test-helpers/fixtures.js';
import { dyingLog, recordingLog } from '../test-helpers/run-logs.js';
import { expectSameSteps } from '../test-helpers/same-steps.js';
import { RewardConfig } from './config.js';
import type { RankedPrompt } from './data.js';
import { scoreAnswers } from './score.js';
import { trainRewardModel } from './train.js';

/** Separable rankings: polite answers above neutral above rude ones, K = 3 with shuffled candidate order. */
function politenessRankings(n: number): RankedPrompt[] {
  const rng = new Rng(5);
  const out: RankedPrompt[] = [];
  for (let i = 0; i < n; i++) {
    const x = NUMBER_WORDS[rng.int(10)];
    const styles = [`nice , it is ${x} .`, `it is ${x} .`, `rude , it is ${x} .`]; // best → worst
    const order = rng.shuffle([0, 1, 2]);
    const candidates = order.map((s) => styles[s]);
    const pairs: { winner: number; loser: number }[] = [];
    for (let a = 0; a < 3; a++)
      for (let b = 0; b < 3; b++) if (order[a] < order[b]) pairs.push({ winner: a, loser: b });
    out.push({ prompt: `what is ${x} ?`, candidates, pairs });
  }
  return out;
}

describe('trainRewardModel', () => {
  it('separates separable rankings and centres demonstrations at 0', () => {
    const tok = toyTokenizer();
    const rm = tinyModel(tok.vocabSize).clone({ scalarHead: 'fresh', rng: new Rng(1) });
    const data = politenessRankings(80);
    const cfg = RewardConfig.parse({
      out: mkdtempSync(join(tmpdir(), 'rein-rm-')),
      epochs: 3,
      batchPrompts: 8,
      lr: 3e-3,
      heldoutFraction: 0.2,
      evalEvery: 1000,
    });
    const demos = [
      { prompt: 'what is two ?', response: 'nice , it is two .' },
      { prompt: 'what is six ?', response: 'it is six .' },
    ];
    const result = trainRewardModel(rm, tok, data, cfg, { quiet: true, demosForNormalization: demos });
    expect(result.heldoutPairs).toBe(16 * 3);
    expect(result.heldoutAccuracy).toBeGreaterThan(0.95);
    const s = scoreAnswers(
      rm,
      tok,
      demos.map((d) => d.prompt),
      demos.map((d) => d.response),
      128,
    );
    expect(Math.abs(s[0] + s[1])).toBeLessThan(1e-4);
  });

  it('a run killed after a save and resumed ends with the weights and train accuracy of an uninterrupted one', () => {
    const tok = toyTokenizer();
    const data = politenessRankings(40);
    const fresh = () => tinyModel(tok.vocabSize).clone({ scalarHead: 'fresh', rng: new Rng(1) });
    const cfg = (out: string, more: object = {}) =>
      RewardConfig.parse({
        out,
        epochs: 2,
        batchPrompts: 8,
        lr: 3e-3,
        evalEvery: 1000,
        saveEvery: 3,
        ...more,
      });
    const full = fresh();
    const fullResult = trainRewardModel(full, tok, data, cfg(mkdtempSync(join(tmpdir(), 'rein-rm-'))), {
      quiet: true,
    });

    const out = mkdtempSync(join(tmpdir(), 'rein-rm-'));
    // dies while logging step 5: its last save was after step 3
    const dying = dyingLog(5);
    expect(() => trainRewardModel(fresh(), tok, data, cfg(out), { quiet: true, log: dying })).toThrow(
      'killed',
    );
    const resumed = tinyModel(tok.vocabSize, 99).clone({ scalarHead: 'fresh', rng: new Rng(9) });
    const resumedResult = trainRewardModel(resumed, tok, data, cfg(out, { resume: true }), { quiet: true });
    for (const [name, p] of full.params)
      expect(Array.from(resumed.params.get(name)!.data), name).toEqual(Array.from(p.data));
    expect(resumedResult.trainAccuracy).toBe(fullResult.trainAccuracy);
    expect(resumedResult.heldoutAccuracy).toBe(fullResult.heldoutAccuracy);
  });

  it('reads a score that padding and batch composition do not change', () => {
    const tok = toyTokenizer();
    const rm = tinyModel(tok.vocabSize, 4).clone({ scalarHead: 'fresh', rng: new Rng(2) });
    const prompts = ['what is one ?', 'what is two plus three ?', 'what is nine ?'];
    const answers = ['it is one .', 'nice , it is five , five , five .', 'rude'];
    const batched = scoreAnswers(rm, tok, prompts, answers, 128, 3);
    const single = prompts.map((p, i) => scoreAnswers(rm, tok, [p], [answers[i]], 128, 1)[0]);
    single.forEach((v, i) => {
      expect(batched[i]).toBeCloseTo(v, 5);
    });
  });

  it('in micro-batches takes the steps of whole batches: the same loss, gradient norm and train accuracy', () => {
    const tok = toyTokenizer();
    // K = 3 rankings, and K = 2 ones with a single pair: passes weigh their rankings, not their pairs
    const data = politenessRankings(40).map((r, i) =>
      i % 2
        ? r
        : {
            prompt: r.prompt,
            candidates: r.candidates.slice(0, 2),
            pairs: r.pairs.filter((p) => p.winner < 2 && p.loser < 2),
          },
    );
    const run = (microBatch: number) => {
      const rm = tinyModel(tok.vocabSize).clone({ scalarHead: 'fresh', rng: new Rng(1) });
      const { log, records } = recordingLog();
      const out = mkdtempSync(join(tmpdir(), 'rein-rm-'));
      const cfg = { out, epochs: 1, batchPrompts: 8, microBatch, lr: 3e-3, evalEvery: 1000 };
      trainRewardModel(rm, tok, data, RewardConfig.parse(cfg), { log, quiet: true });
      return { rm, records };
    };
    const whole = run(0);
    const split = run(3);
    expectSameSteps(whole.records, split.records, ['loss', 'grad_norm', 'train_accuracy']);
  });

  it('learns the lead a margin asks for: "much better" pairs end further apart than plain ones', () => {
    const tok = toyTokenizer();
    // polite over rude, and polite over neutral, each pair flipped 3 times in 10 (noisy labelers):
    // plain, the ranking loss settles both leads near logit(0.7) = 0.85; a margin m on the
    // polite/rude pairs (either way round) moves that lead's optimum to about m + 0.3
    const pairs = (margin: number | undefined): RankedPrompt[] => {
      const rng = new Rng(9);
      return Array.from({ length: 120 }, (_, i) => {
        const x = NUMBER_WORDS[rng.int(10)];
        const strong = i % 2 === 0;
        const flipped = Math.floor(i / 2) % 10 < 3;
        const other = strong ? `rude , it is ${x} .` : `it is ${x} .`;
        const pair = flipped ? { winner: 1, loser: 0 } : { winner: 0, loser: 1 };
        return {
          prompt: `what is ${x} ?`,
          candidates: [`nice , it is ${x} .`, other],
          pairs: [strong && margin !== undefined ? { ...pair, margin } : pair],
        };
      });
    };
    const leads = (margin: number | undefined) => {
      const rm = tinyModel(tok.vocabSize).clone({ scalarHead: 'fresh', rng: new Rng(1) });
      const out = mkdtempSync(join(tmpdir(), 'rein-rm-'));
      const cfg = RewardConfig.parse({ out, epochs: 4, batchPrompts: 8, lr: 3e-3, evalEvery: 1000 });
      trainRewardModel(rm, tok, pairs(margin), cfg, { quiet: true });
      const q = 'what is two ?';
      const s = scoreAnswers(
        rm,
        tok,
        [q, q, q],
        ['nice , it is two .', 'it is two .', 'rude , it is two .'],
        64,
      );
      return { overRude: s[0] - s[2], overNeutral: s[0] - s[1] };
    };
    const plain = leads(undefined);
    const margined = leads(3);
    // measured: polite over rude 0.55 plain, 3.13 with the margin
    expect(plain.overRude).toBeLessThan(1.5);
    expect(margined.overRude).toBeGreaterThan(2.5);
    expect(margined.overRude).toBeGreaterThan(plain.overRude + 1.5);
  });

  it('with --centerRewards keeps the scores of each ranking around 0 and still separates them', () => {
    const tok = toyTokenizer();
    const data = politenessRankings(40);
    const meanOffset = (c: number) => {
      const rm = tinyModel(tok.vocabSize).clone({ scalarHead: 'fresh', rng: new Rng(1) });
      const out = mkdtempSync(join(tmpdir(), 'rein-rm-'));
      const cfg = RewardConfig.parse({
        out,
        epochs: 3,
        batchPrompts: 8,
        lr: 3e-3,
        evalEvery: 1000,
        centerRewards: c,
      });
      const result = trainRewardModel(rm, tok, data, cfg, { quiet: true });
      const means = data.map((r) => {
        const s = scoreAnswers(rm, tok, Array(r.candidates.length).fill(r.prompt), r.candidates, 64);
        return s.reduce((a, x) => a + x, 0) / s.length;
      });
      const offset = means.reduce((a, m) => a + Math.abs(m), 0) / means.length;
      return { offset, accuracy: result.heldoutAccuracy };
    };
    const plain = meanOffset(0);
    const centred = meanOffset(0.1);
    // measured: mean |ranking mean| 1.90 → 0.11, held-out accuracy 0.89 → 1.0
    expect(centred.offset).toBeLessThan(plain.offset / 2);
    expect(centred.accuracy).toBeGreaterThan(0.8);
  });
});
