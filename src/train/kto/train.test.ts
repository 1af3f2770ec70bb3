import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import * as T from '../../tensor/index.js';
import { Rng } from '../../util/rng.js';
import { RunInputError } from '../common/run-input.js';
import { NUMBER_WORDS, tinyModel, toyTokenizer } from '../test-helpers/fixtures.js';
import { dyingLog, recordingLog } from '../test-helpers/run-logs.js';
import { expectSameSteps } from '../test-helpers/same-steps.js';
import { KtoConfig } from './config.js';
import type { FeedbackExample } from './data.js';
import { trainKto } from './train.js';

/** Toy unpaired feedback: "nice , it is X ." to "what is X ?" is desirable, "rude , it is X ." not; one answer per line. */
function toyFeedback(n: number): FeedbackExample[] {
  const rng = new Rng(7);
  return Array.from({ length: n }, (_, i) => {
    const x = NUMBER_WORDS[rng.int(10)];
    const desirable = i % 2 === 0;
    return {
      prompt: `what is ${x} ?`,
      completion: `${desirable ? 'nice' : 'rude'} , it is ${x} .`,
      desirable,
    };
  });
}

const base = { batchSize: 8, lr: 3e-3, warmupSteps: 2, heldoutFraction: 0.25, evalEvery: 1000 };
const outDir = () => mkdtempSync(join(tmpdir(), 'rein-kto-'));

describe('trainKto', () => {
  it("raises the desirable answers' reward above the undesirable ones', and the loss falls", () => {
    const tok = toyTokenizer();
    const model = tinyModel(tok.vocabSize, 5);
    const data = toyFeedback(48);
    const { log, records } = recordingLog();
    const cfg = KtoConfig.parse({ ...base, out: outDir(), epochs: 4, saveEvery: 0 });
    const result = trainKto(model, tok, data, cfg, { quiet: true, log });
    expect(result.trainExamples + result.heldoutExamples).toBe(48);
    expect(records).toHaveLength(result.steps);
    // the policy is its reference before the first update: every r = 0, z₀ = 0, each loss λ·σ(0)
    expect(records[0].loss).toBeCloseTo(0.5, 5);
    expect(records[0].kl).toBeCloseTo(0, 5); // a batch of other rows pads otherwise: float noise only
    const first = records.slice(0, 3);
    const last = records.slice(-3);
    const avg = (rs: Record<string, number>[], k: string) => rs.reduce((a, r) => a + r[k], 0) / rs.length;
    expect(avg(last, 'loss')).toBeLessThan(avg(first, 'loss') - 0.02);
    expect(avg(last, 'margin')).toBeGreaterThan(0.1);
    expect(result.finalTrain.desirableReward!).toBeGreaterThan(result.finalTrain.undesirableReward!);
    expect(result.heldout.desirableReward!).toBeGreaterThan(result.heldout.undesirableReward!);
    expect(result.heldout.accuracy).toBeGreaterThan(0.7);
    const end = records[records.length - 1];
    for (const k of ['loss', 'kl', 'desirable_reward', 'undesirable_reward', 'margin', 'lr', 'grad_norm'])
      expect(Number.isFinite(end[k])).toBe(true);
    expect(end.margin).toBeCloseTo(end.desirable_reward - end.undesirable_reward, 6);
    expect(end.heldout_accuracy).toBe(result.heldout.accuracy);
    expect(end.heldout_kl).toBe(result.heldout.kl);
  });

  it("runs a batch's mismatched answers without gradients: one differentiable forward pass a step", () => {
    const tok = toyTokenizer();
    const model = tinyModel(tok.vocabSize, 5);
    const withGrad: boolean[] = [];
    const hidden = model.hidden.bind(model);
    vi.spyOn(model, 'hidden').mockImplementation((batch, options) => {
      withGrad.push(T.isGradEnabled());
      return hidden(batch, options);
    });
    const cfg = KtoConfig.parse({ ...base, heldoutFraction: 0, saveEvery: 0 });
    const { steps, trainExamples } = trainKto(model, tok, toyFeedback(16), cfg, { quiet: true });
    // the reference: the examples and their mismatched sequences, once; then two passes a step
    const referenceBatches = 2 * Math.ceil(trainExamples / cfg.batchSize);
    expect(withGrad).toHaveLength(referenceBatches + 2 * steps);
    expect(withGrad.filter(Boolean)).toHaveLength(steps);
  });

  it('trains on batches of one kind, logging no reward, margin or NaN for the kind missing', () => {
    const tok = toyTokenizer();
    const data = toyFeedback(16).filter((d) => d.desirable);
    const { log, records } = recordingLog();
    const cfg = KtoConfig.parse({ ...base, heldoutFraction: 0, saveEvery: 0 });
    const result = trainKto(tinyModel(tok.vocabSize, 5), tok, data, cfg, { quiet: true, log });
    for (const r of records) {
      expect(Object.keys(r)).not.toContain('undesirable_reward');
      expect(Object.keys(r)).not.toContain('margin');
      expect(Object.values(r).every((v) => typeof v !== 'number' || !Number.isNaN(v))).toBe(true);
    }
    expect(result.finalTrain.undesirableReward).toBeUndefined();
  });

  it('refuses data it cannot train on, naming it', () => {
    const tok = toyTokenizer();
    const model = tinyModel(tok.vocabSize, 5);
    const cfg = KtoConfig.parse({ ...base, heldoutFraction: 0, saveEvery: 0 });
    const train =
      (data: FeedbackExample[], c = cfg) =>
      () =>
        trainKto(model, tok, data, c, { quiet: true, source: '--data f.jsonl' });
    const onePrompt = toyFeedback(8).map((d) => ({ ...d, prompt: 'what is one ?' }));
    expect(train(onePrompt)).toThrow(RunInputError);
    expect(train(onePrompt)).toThrow(/--data f\.jsonl: every training example answers the same prompt/);
    expect(train([])).toThrow(/--data f\.jsonl: no example to train on$/);
    expect(train(toyFeedback(8), KtoConfig.parse({ ...cfg, maxLength: 1 }))).toThrow(
      /no example to train on \(every answer was cut away by --maxLength 1\)/,
    );
  });

  it('a run killed after a save and resumed ends with the weights and log of an uninterrupted run', () => {
    const tok = toyTokenizer();
    const data = toyFeedback(24);
    const cfg = { ...base, epochs: 2, saveEvery: 2, evalEvery: 3 };
    const strip = (records: Record<string, number>[]) => records.map(({ time: _, ...r }) => r);
    const full = tinyModel(tok.vocabSize, 3);
    const fullLog = recordingLog();
    const fullResult = trainKto(full, tok, data, KtoConfig.parse({ ...cfg, out: outDir() }), {
      quiet: true,
      log: fullLog.log,
    });

    const out = outDir();
    // dies while logging step 5: its last save was after step 4
    const dying = dyingLog(5);
    expect(() =>
      trainKto(tinyModel(tok.vocabSize, 3), tok, data, KtoConfig.parse({ ...cfg, out }), {
        quiet: true,
        log: dying,
      }),
    ).toThrow('killed');
    // the resumed run starts from the same base model (it is the reference), then loads the state
    const resumed = tinyModel(tok.vocabSize, 3);
    const resumedLog = recordingLog();
    const resumedResult = trainKto(resumed, tok, data, KtoConfig.parse({ ...cfg, out, resume: true }), {
      quiet: true,
      log: resumedLog.log,
    });
    expect(resumedLog.records[0].step).toBe(5);
    expect(strip(resumedLog.records)).toEqual(strip(fullLog.records.slice(4)));
    for (const [name, p] of full.params)
      expect(Array.from(resumed.params.get(name)!.data)).toEqual(Array.from(p.data));
    // the result's train metrics average steps from before the kill too
    expect(resumedResult).toEqual(fullResult);
  });

  it('in micro-batches takes the steps of whole batches, z₀ still from the whole batch', () => {
    const tok = toyTokenizer();
    const data = toyFeedback(48);
    const run = (microBatch: number) => {
      const { log, records } = recordingLog();
      const cfg = KtoConfig.parse({ ...base, out: outDir(), epochs: 1, microBatch, saveEvery: 0 });
      trainKto(tinyModel(tok.vocabSize, 5), tok, data, cfg, { quiet: true, log });
      return records;
    };
    // not accuracy: at first every reward is 0 but for rounding, which the passes' padding decides
    expectSameSteps(run(0), run(3), ['loss', 'kl', 'grad_norm', 'margin']);
  });
});
