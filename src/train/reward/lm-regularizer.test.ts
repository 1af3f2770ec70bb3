import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packRight } from '../../model/packing.js';
import * as T from '../../tensor/index.js';
import { Rng } from '../../util/rng.js';
import { trainedTokenNll, trainedTokens } from '../common/trained-tokens.js';
import { NUMBER_WORDS, tinyModel, toyTokenizer } from '../test-helpers/fixtures.js';
import { recordingLog } from '../test-helpers/run-logs.js';
import { RewardConfig } from './config.js';
import type { RankedPrompt } from './data.js';
import { bestAnswerNll, bestCandidates } from './lm-regularizer.js';
import { encodeAnswers } from './score.js';
import { trainRewardModel } from './train.js';

describe('bestCandidates', () => {
  it('takes the candidate that wins and never loses, every one of a tie at the top, none of a ranking without pairs', () => {
    const full = [
      { winner: 2, loser: 0 },
      { winner: 2, loser: 1 },
      { winner: 2, loser: 3 },
      { winner: 0, loser: 1 },
      { winner: 0, loser: 3 },
      { winner: 1, loser: 3 },
    ];
    const tiedTop = [
      { winner: 1, loser: 0 },
      { winner: 3, loser: 0 },
      { winner: 1, loser: 2 },
      { winner: 3, loser: 2 },
    ];
    const groups = [
      { offset: 0, candidates: 4, pairs: full },
      { offset: 4, candidates: 3, pairs: [] },
      { offset: 7, candidates: 4, pairs: tiedTop },
    ];
    expect(bestCandidates(groups)).toEqual([2, 8, 10]);
  });
});

describe('bestAnswerNll', () => {
  it("is the mean next-token loss of the best answers' response tokens, as a batch of those answers alone gives it", () => {
    const tok = toyTokenizer();
    const rm = tinyModel(tok.vocabSize).clone({ scalarHead: 'fresh', rng: new Rng(2) });
    const prompts = ['what is two ?', 'what is two ?', 'what is six ?', 'what is six ?', 'what is six ?'];
    const answers = ['it is two .', 'rude , it is two .', 'it is six .', 'nice , it is six .', 'six .'];
    const seqs = encodeAnswers(tok, prompts, answers, 64);
    const groups = [
      { offset: 0, candidates: 2, pairs: [{ winner: 0, loser: 1 }] },
      {
        offset: 2,
        candidates: 3,
        pairs: [
          { winner: 1, loser: 0 },
          { winner: 1, loser: 2 },
          { winner: 0, loser: 2 },
        ],
      },
    ];
    const got = T.noGrad(() => {
      const batch = packRight(seqs, tok.padId ?? 0, 128);
      return bestAnswerNll(rm, batch, rm.hidden(batch), groups)!.item();
    });
    const want = T.noGrad(() => {
      const alone = packRight([seqs[0], seqs[3]], tok.padId ?? 0, 128);
      return trainedTokenNll(rm, alone, trainedTokens(alone), { reduction: 'mean' }).item();
    });
    expect(got).toBeGreaterThan(0);
    expect(got).toBeCloseTo(want, 5);
    expect(T.noGrad(() => bestAnswerNll(rm, packRight(seqs, 0, 128), T.zeros([1, 1, 1]), []))).toBeNull();
  });
});

describe('trainRewardModel with lmCoef', () => {
  /** Rankings whose best answer is always "it is X .", and whose worst is a rude one. */
  function rankings(n: number): RankedPrompt[] {
    const rng = new Rng(9);
    return Array.from({ length: n }, () => {
      const x = NUMBER_WORDS[rng.int(10)];
      return {
        prompt: `what is ${x} ?`,
        candidates: [`rude , it is ${x} .`, `it is ${x} .`],
        pairs: [{ winner: 1, loser: 0 }],
      };
    });
  }

  it('keeps the trunk writing the preferred answers (their loss falls) and still learns the ranking', () => {
    const tok = toyTokenizer();
    const data = rankings(48);
    const nllOfBest = (rm: ReturnType<typeof tinyModel>) =>
      T.noGrad(() => {
        const seqs = encodeAnswers(
          tok,
          data.map((d) => d.prompt),
          data.map((d) => d.candidates[1]),
          64,
        );
        const batch = packRight(seqs, tok.padId ?? 0, 128);
        return trainedTokenNll(rm, batch, trainedTokens(batch), { reduction: 'mean' }).item();
      });
    const train = (lmCoef: number) => {
      const rm = tinyModel(tok.vocabSize).clone({ scalarHead: 'fresh', rng: new Rng(1) });
      const cfg = RewardConfig.parse({
        out: mkdtempSync(join(tmpdir(), 'rein-rm-lm-')),
        epochs: 10,
        batchPrompts: 8,
        lr: 3e-3,
        heldoutFraction: 0.25,
        evalEvery: 1000,
        lmCoef,
      });
      const { log, records } = recordingLog();
      const result = trainRewardModel(rm, tok, data, cfg, { quiet: true, log });
      return { nll: nllOfBest(rm), accuracy: result.heldoutAccuracy, records };
    };
    const start = nllOfBest(tinyModel(tok.vocabSize));
    const plain = train(0);
    const regularised = train(1);
    // the term's own value is logged each step where it is on, and falls as the RM learns the answers
    expect(plain.records.every((r) => r.lm_loss === undefined)).toBe(true);
    const lm = regularised.records.map((r) => r.lm_loss);
    expect(lm.every((x) => Number.isFinite(x) && x > 0)).toBe(true);
    expect(lm.at(-1)!).toBeLessThan(0.5 * lm[0]);
    expect(regularised.nll).toBeLessThan(0.5 * start);
    expect(regularised.nll).toBeLessThan(0.5 * plain.nll);
    expect(regularised.accuracy).toBeGreaterThan(0.9);
  });
});
