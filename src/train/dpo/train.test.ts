import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { resolveModelConfig } from '../../model/config.js';
import { Transformer } from '../../model/transformer.js';
import * as T from '../../tensor/index.js';
import { Rng } from '../../util/rng.js';
import type { RankedPrompt } from '../reward/data.js';
import { NUMBER_WORDS, tinyModel, toyTokenizer } from '../test-helpers/fixtures.js';
import { dyingLog, recordingLog } from '../test-helpers/run-logs.js';
import { expectSameSteps } from '../test-helpers/same-steps.js';
import { DpoConfig } from './config.js';
import { dpoLoss } from './loss.js';
import { dpoMetrics } from './objective.js';
import { encodePairs, pairLogProbs, pairLogProbsNoGrad, trainDpo } from './train.js';

/** Toy preferences: "nice , it is X ." above "rude , it is X ." (K = 2), and a K = 3 ranking now and then. */
function toyPreferences(n: number): RankedPrompt[] {
  const rng = new Rng(7);
  return Array.from({ length: n }, (_, i) => {
    const x = NUMBER_WORDS[rng.int(10)];
    const prompt = `what is ${x} ?`;
    if (i % 4 === 0)
      return {
        prompt,
        candidates: [`it is ${x} .`, `nice , it is ${x} .`, `rude , it is ${x} .`],
        pairs: [
          { winner: 1, loser: 0 },
          { winner: 1, loser: 2 },
          { winner: 0, loser: 2 },
        ],
      };
    return {
      prompt,
      candidates: [`nice , it is ${x} .`, `rude , it is ${x} .`],
      pairs: [{ winner: 0, loser: 1 }],
    };
  });
}

const base = { batchPairs: 8, lr: 3e-3, warmupSteps: 2, heldoutFraction: 0.25, evalEvery: 1000 };

describe('trainDpo', () => {
  it("raises the margin on toy pairs, and the held-out pairs' accuracy", () => {
    const tok = toyTokenizer();
    const model = tinyModel(tok.vocabSize, 5);
    const data = toyPreferences(32);
    const { log, records } = recordingLog();
    const result = trainDpo(
      model,
      tok,
      data,
      DpoConfig.parse({ ...base, out: mkdtempSync(join(tmpdir(), 'rein-dpo-')), epochs: 4, saveEvery: 0 }),
      { quiet: true, log },
    );
    // 32 prompts: 8 rankings of K = 3 (3 pairs each) and 24 flat pairs, split by prompt (8 held out)
    expect(result.trainPairs + result.heldoutPairs).toBe(8 * 3 + 24);
    expect(records).toHaveLength(result.steps);
    expect(records[0].margin).toBeCloseTo(0, 5); // policy = reference before the first update
    expect(records[records.length - 1].margin).toBeGreaterThan(0.3);
    expect(result.finalTrain.accuracy).toBeGreaterThan(0.9);
    expect(result.heldout.margin).toBeGreaterThan(0.1);
    expect(result.heldout.accuracy).toBeGreaterThan(0.8);
    for (const k of ['loss', 'margin', 'accuracy', 'chosen_reward', 'rejected_reward', 'grad_norm'])
      expect(Number.isFinite(records[records.length - 1][k])).toBe(true);
    expect(records[records.length - 1].heldout_accuracy).toBe(result.heldout.accuracy);
  });

  it('refuses options that mean nothing for the loss chosen', () => {
    for (const lossType of ['ipo', 'hinge', 'orpo'])
      expect(() => DpoConfig.parse({ lossType, labelSmoothing: 0.1 })).toThrow(
        new RegExp(`sigmoid, simpo, cpo and robust losses only \\(${lossType} has no flipped-label term`),
      );
    expect(() => DpoConfig.parse({ lossType: 'sigmoid', simpoGamma: 0.5 })).toThrow(/--lossType simpo only/);
    expect(DpoConfig.parse({ lossType: 'simpo', labelSmoothing: 0.1 }).labelSmoothing).toBe(0.1);
    expect(() => DpoConfig.parse({ lossType: 'orpo', rpoAlpha: 1 })).toThrow(/has its own likelihood term/);
    expect(() => DpoConfig.parse({ lossType: 'simpo', rpoAlpha: 1 })).toThrow(/simpo is reference-free/);
    expect(DpoConfig.parse({ lossType: 'ipo', rpoAlpha: 1 }).rpoAlpha).toBe(1);
  });

  it('with --rpoAlpha keeps the chosen answers likely: their NLL falls as the margin rises', () => {
    const tok = toyTokenizer();
    const data = toyPreferences(32);
    const run = (rpoAlpha: number) => {
      const { log, records } = recordingLog();
      const out = mkdtempSync(join(tmpdir(), 'rein-dpo-'));
      const cfg = DpoConfig.parse({ ...base, out, epochs: 4, saveEvery: 0, rpoAlpha });
      trainDpo(tinyModel(tok.vocabSize, 5), tok, data, cfg, { quiet: true, log });
      return records;
    };
    const rpo = run(1);
    const first = rpo[0];
    const last = rpo[rpo.length - 1];
    expect(first.loss).toBeCloseTo(first.dpo_loss + first.nll_loss, 5);
    expect(first.dpo_loss).toBeCloseTo(Math.LN2, 5);
    expect(last.nll_loss).toBeLessThan(first.nll_loss - 0.5);
    expect(last.margin).toBeGreaterThan(0.3);
    // plain DPO logs no such parts
    expect(run(0)[0].nll_loss).toBeUndefined();
  });

  it("fills in each loss's own β, and SimPO's γ = β/2", () => {
    const resolved = (o: object) => {
      const c = DpoConfig.parse(o);
      return [c.beta, c.simpoGamma];
    };
    expect(resolved({})).toEqual([0.1, 0]);
    expect(resolved({ lossType: 'ipo' })).toEqual([0.1, 0]);
    expect(resolved({ lossType: 'simpo' })).toEqual([2, 1]);
    expect(resolved({ lossType: 'simpo', beta: 2.5 })).toEqual([2.5, 1.25]);
    expect(resolved({ lossType: 'simpo', simpoGamma: 0 })).toEqual([2, 0]);
    expect(resolved({ lossType: 'orpo' })).toEqual([0.1, 0]);
  });

  it.each(['simpo', 'orpo'] as const)(
    '%s raises its own margin on toy pairs, and orders held-out pairs',
    (lossType) => {
      const tok = toyTokenizer();
      const model = tinyModel(tok.vocabSize, 5);
      const { log, records } = recordingLog();
      const cfg = DpoConfig.parse({
        ...base,
        lossType,
        epochs: 4,
        saveEvery: 0,
        out: mkdtempSync(join(tmpdir(), 'rein-dpo-')),
      });
      const result = trainDpo(model, tok, toyPreferences(32), cfg, { quiet: true, log });
      const first = records[0];
      const last = records[records.length - 1];
      expect(last.margin).toBeGreaterThan(first.margin + 0.3);
      expect(last.margin).toBeCloseTo(last.chosen_reward - last.rejected_reward, 4);
      expect(result.finalTrain.accuracy).toBeGreaterThan(0.9);
      expect(result.heldout.accuracy).toBeGreaterThan(0.8);
      if (lossType === 'orpo') {
        // the logged parts add up to the loss: L_SFT + λ·L_OR, λ = 0.1
        expect(last.loss).toBeCloseTo(last.sft_loss + 0.1 * last.odds_ratio_loss, 4);
        expect(last.sft_loss).toBeLessThan(first.sft_loss); // it also fine-tunes on the chosen answers
        expect(last.heldout_sft_loss).toBe(result.heldout.parts.sft_loss);
      } else expect(last.sft_loss).toBeUndefined();
    },
  );

  it('runs the model once per step for simpo and orpo: no reference pass over the pairs', () => {
    const tok = toyTokenizer();
    const data = toyPreferences(16);
    const forwardPasses = (lossType: string) => {
      const model = tinyModel(tok.vocabSize, 5);
      const passes = vi.spyOn(model, 'hidden');
      const cfg = DpoConfig.parse({ ...base, lossType, heldoutFraction: 0, saveEvery: 0 });
      const { steps, trainPairs } = trainDpo(model, tok, data, cfg, { quiet: true });
      return {
        calls: passes.mock.calls.length,
        steps,
        referenceBatches: Math.ceil(trainPairs / cfg.batchPairs),
      };
    };
    const dpo = forwardPasses('sigmoid');
    expect(dpo.calls).toBe(dpo.steps + dpo.referenceBatches); // DPO scores every pair with the reference first
    for (const lossType of ['simpo', 'orpo']) {
      const run = forwardPasses(lossType);
      expect(run.calls).toBe(run.steps);
    }
  });

  it('gives a batch of pairs the same log-probs, loss and gradient as its pairs one by one', () => {
    const tok = toyTokenizer();
    const model = tinyModel(tok.vocabSize, 8, 'llama');
    const pairs = encodePairs(
      tok,
      [
        { prompt: 'what is one ?', chosen: 'it is one .', rejected: 'rude' },
        { prompt: 'what is two plus three ?', chosen: 'nice , it is five .', rejected: 'it is six , six .' },
        { prompt: 'what is nine ?', chosen: 'nine', rejected: 'it is nine .' },
      ],
      64,
    );
    const ref = { chosen: Float32Array.from([-20, -30, -9]), rejected: Float32Array.from([-8, -33, -21]) };
    const refTokens = { chosenTokens: Float32Array.of(1, 1, 1), rejectedTokens: Float32Array.of(1, 1, 1) };
    const beta = 0.1;
    const gradOf = (rows: number[]) =>
      T.scope(() => {
        const lp = pairLogProbs(
          model,
          rows.map((r) => pairs[r]),
          tok.padId ?? 0,
        );
        const { loss } = dpoLoss(
          lp.chosen,
          lp.rejected,
          Float32Array.from(rows, (r) => ref.chosen[r]),
          Float32Array.from(rows, (r) => ref.rejected[r]),
          beta,
        );
        T.backward(loss);
        const g = Float32Array.from(model.params.get('layers.0.attn.q.weight')!.grad!);
        for (const p of model.params.values()) p.grad?.fill(0);
        return {
          loss: loss.item(),
          g,
          chosen: Array.from(lp.chosen.data),
          rejected: Array.from(lp.rejected.data),
        };
      });
    const batched = gradOf([0, 1, 2]);
    const single = [0, 1, 2].map((r) => gradOf([r]));
    single.forEach((s, i) => {
      expect(batched.chosen[i]).toBeCloseTo(s.chosen[0], 3);
      expect(batched.rejected[i]).toBeCloseTo(s.rejected[0], 3);
    });
    // the batch loss is the mean of the pairs' losses, and so is its gradient
    expect(batched.loss).toBeCloseTo(single.reduce((a, s) => a + s.loss, 0) / 3, 5);
    const meanGrad = batched.g.map((_, j) => single.reduce((a, s) => a + s.g[j], 0) / 3);
    let maxDiff = 0;
    let scale = 0;
    batched.g.forEach((v, j) => {
      maxDiff = Math.max(maxDiff, Math.abs(v - meanGrad[j]));
      scale = Math.max(scale, Math.abs(meanGrad[j]));
    });
    expect(scale).toBeGreaterThan(0);
    expect(maxDiff).toBeLessThan(1e-4 * scale + 1e-7);
    // and the chosen answer's log-prob is the plain sum of log softmax over its response tokens
    const seq = pairs[1].chosen;
    const V = model.config.vocabSize;
    const logits = T.noGrad(() =>
      Float32Array.from(model.logits({ ids: Int32Array.from(seq.ids), B: 1, T: seq.ids.length }).data),
    ); // (1, T, V)
    let byHand = 0;
    for (let t = seq.responseStart; t < seq.ids.length; t++) {
      const row = Array.from(logits.subarray((t - 1) * V, t * V));
      const mx = Math.max(...row);
      byHand += row[seq.ids[t]] - mx - Math.log(row.reduce((a, v) => a + Math.exp(v - mx), 0));
    }
    expect(batched.chosen[1]).toBeCloseTo(byHand, 3);
    // the no-grad batches (other batch sizes) agree, and so do the metrics computed from them
    const nb = pairLogProbsNoGrad(model, pairs, tok.padId ?? 0, 2);
    expect(
      Array.from(nb.chosen)
        .map((v, i) => v - batched.chosen[i])
        .every((d) => Math.abs(d) < 1e-3),
    ).toBe(true);
    const settings = {
      lossType: 'sigmoid',
      beta,
      labelSmoothing: 0,
      simpoGamma: 0,
      rpoAlpha: 0,
      cpoAlpha: 0,
    } as const;
    expect(dpoMetrics(settings, nb, { ...ref, ...refTokens }).loss).toBeCloseTo(batched.loss, 4);
    // and each answer's response-token count, for the per-token means of SimPO and ORPO
    expect(Array.from(nb.chosenTokens)).toEqual(
      pairs.map((p) => p.chosen.ids.length - p.chosen.responseStart),
    );
  });

  it('pads batches no further than the context', () => {
    const tok = toyTokenizer();
    const model = Transformer.init(
      resolveModelConfig({
        arch: 'gpt',
        vocabSize: tok.vocabSize,
        contextLength: 40,
        nLayers: 1,
        dim: 16,
        nHeads: 2,
      }),
      new Rng(1),
    );
    const long = 'it is one . '.repeat(12);
    const [pair] = encodePairs(tok, [{ prompt: 'what is one ?', chosen: long, rejected: 'rude' }], 40);
    expect(pair.chosen.ids.length).toBeGreaterThan(32); // a multiple of 16 above it would pass the context
    const lp = pairLogProbsNoGrad(model, [pair], tok.padId ?? 0, 1);
    expect(Number.isFinite(lp.chosen[0]) && lp.chosen[0] < 0).toBe(true);
  });

  it('a run killed after a save and resumed ends with the weights of an uninterrupted run', () => {
    const tok = toyTokenizer();
    const data = toyPreferences(16);
    const cfg = { ...base, epochs: 3, saveEvery: 2 };
    const full = tinyModel(tok.vocabSize, 3);
    const fullResult = trainDpo(
      full,
      tok,
      data,
      DpoConfig.parse({ ...cfg, out: mkdtempSync(join(tmpdir(), 'rein-dpo-')) }),
      { quiet: true },
    );

    const out = mkdtempSync(join(tmpdir(), 'rein-dpo-'));
    // dies while logging step 5: its last save was after step 4
    const dying = dyingLog(5);
    expect(() =>
      trainDpo(tinyModel(tok.vocabSize, 3), tok, data, DpoConfig.parse({ ...cfg, out }), {
        quiet: true,
        log: dying,
      }),
    ).toThrow('killed');
    // the resumed run starts from the same base model (it is the reference), then loads the state
    const resumed = tinyModel(tok.vocabSize, 3);
    const { log, records } = recordingLog();
    const resumedResult = trainDpo(resumed, tok, data, DpoConfig.parse({ ...cfg, out, resume: true }), {
      quiet: true,
      log,
    });
    expect(records[0].step).toBe(5);
    for (const [name, p] of full.params)
      expect(Array.from(resumed.params.get(name)!.data)).toEqual(Array.from(p.data));
    // the result's train metrics average steps from before the kill too
    expect(resumedResult).toEqual(fullResult);
  });

  it('in micro-batches takes the steps of whole batches, for every loss', () => {
    const tok = toyTokenizer();
    const data = toyPreferences(40);
    for (const lossType of ['sigmoid', 'ipo', 'simpo', 'orpo']) {
      const run = (microBatch: number) => {
        const model = tinyModel(tok.vocabSize, 5);
        const { log, records } = recordingLog();
        const out = mkdtempSync(join(tmpdir(), 'rein-dpo-'));
        const cfg = { out, lossType, epochs: 0.5, batchPairs: 8, microBatch, lr: 3e-3, evalEvery: 1000 };
        trainDpo(model, tok, data, DpoConfig.parse(cfg), { log, quiet: true });
        return { model, records };
      };
      const whole = run(0);
      const split = run(3);
      const parts = lossType === 'orpo' ? ['sft_loss', 'odds_ratio_loss'] : [];
      expectSameSteps(whole.records, split.records, ['loss', 'grad_norm', 'margin', ...parts]);
      // the accuracy from the second step where a reference scores the pairs: at the first the policy
      // is its reference, every margin is 0 up to the last bits of its pass, and the share above 0
      // is a coin toss
      const from = lossType === 'simpo' || lossType === 'orpo' ? 0 : 1;
      expectSameSteps(whole.records.slice(from), split.records.slice(from), ['accuracy']);
    }
  });
});
