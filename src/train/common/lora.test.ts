/**
 * LoRA in the offline trainers at toy sizes: SFT learns through the adapters alone and hands back a
 * merged model that a saved checkpoint reproduces; a resumed LoRA run ends where an uninterrupted
 * one does; the reward model trains its head beside the adapters; DPO and KTO start from their
 * reference and move it.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../model/checkpoint.js';
import { attachLora, type LoraAdapters } from '../../model/lora.js';
import { readAdapterFiles } from '../../model/lora-files.js';
import { readSafetensors } from '../../model/safetensors.js';
import type { TokenBatch, Transformer } from '../../model/transformer.js';
import * as T from '../../tensor/index.js';
import { encodeChat } from '../../tokenizer/chat-template.js';
import { Rng } from '../../util/rng.js';
import { DpoConfig } from '../dpo/config.js';
import { trainDpo } from '../dpo/train.js';
import { GrpoConfig } from '../grpo/config.js';
import { KtoConfig } from '../kto/config.js';
import { trainKto } from '../kto/train.js';
import { OnlineDpoConfig } from '../online-dpo/config.js';
import { PpoConfig } from '../ppo/config.js';
import { RewardConfig } from '../reward/config.js';
import type { RankedPrompt } from '../reward/data.js';
import { trainRewardModel } from '../reward/train.js';
import { SftConfig } from '../sft/config.js';
import { responseLoss, trainSft } from '../sft/train.js';
import { NUMBER_WORDS, tinyModel, toyDemos, toyTokenizer } from '../test-helpers/fixtures.js';
import { dyingLog, recordingLog } from '../test-helpers/run-logs.js';
import { LoraConfig, loraSummary } from './lora.js';
import { finishRunDir } from './run-dir.js';
import { stateDir } from './train-state.js';

const outDir = () => mkdtempSync(join(tmpdir(), 'rein-lora-run-'));
const bytes = (x: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
const maxDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((d, x, i) => Math.max(d, Math.abs(x - b[i])), 0);
const logitsOf = (m: Transformer, b: TokenBatch) => T.noGrad(() => Float32Array.from(m.logits(b).data));
const adapted = (lora: LoraAdapters, weight: string) =>
  lora.byProjection.has(weight.replace(/\.weight$/, ''));

/**
 * A tiny model as a base: init's embedding (std 0.02) behind a frozen final norm caps every logit
 * near ±0.6, which adapters could never lift; a trained base's embedding is larger, as here.
 */
function baseModel(vocabSize: number, seed: number): Transformer {
  const model = tinyModel(vocabSize, seed);
  const emb = model.params.get('tok_emb')!.data;
  for (let i = 0; i < emb.length; i++) emb[i] *= 15;
  return model;
}

/** "nice , it is X ." above "rude , it is X ." for "what is X ?". */
function toyPreferences(n: number): RankedPrompt[] {
  const rng = new Rng(7);
  return Array.from({ length: n }, () => {
    const x = NUMBER_WORDS[rng.int(10)];
    return {
      prompt: `what is ${x} ?`,
      candidates: [`nice , it is ${x} .`, `rude , it is ${x} .`],
      pairs: [{ winner: 0, loser: 1 }],
    };
  });
}

describe('the lora option group', () => {
  it('is off by default, with α 16 on every projection', () => {
    expect(LoraConfig.parse(undefined)).toEqual({ rank: 0, alpha: 16, targets: 'attn,mlp', dropout: 0 });
    expect(SftConfig.parse({}).lora).toEqual(LoraConfig.parse(undefined));
    expect(KtoConfig.parse({ lora: { rank: 8, targets: 'q,v' } }).lora).toEqual({
      rank: 8,
      alpha: 16,
      targets: 'q,v',
      dropout: 0,
    });
  });

  it('takes a dropout for the offline trainers and refuses one for the RL trainers', () => {
    for (const schema of [SftConfig, RewardConfig, DpoConfig, KtoConfig])
      expect(schema.parse({ lora: { rank: 4, dropout: 0.1 } }).lora.dropout).toBe(0.1);
    for (const schema of [PpoConfig, GrpoConfig, OnlineDpoConfig])
      expect(() => schema.parse({ lora: { rank: 4, dropout: 0.1 } })).toThrow(/keep LoRA dropout off/);
    expect(PpoConfig.parse({ lora: { rank: 4 } }).lora.dropout).toBe(0);
  });

  it('refuses a negative or fractional rank, α ≤ 0 and an unknown target', () => {
    expect(() => SftConfig.parse({ lora: { rank: -1 } })).toThrow(/>=0/);
    expect(() => RewardConfig.parse({ lora: { rank: 2.5 } })).toThrow(/int/);
    expect(() => DpoConfig.parse({ lora: { alpha: 0 } })).toThrow(/>0/);
    expect(() => SftConfig.parse({ lora: { targets: 'attn,ffn' } })).toThrow(
      /comma-separated list of attn, mlp/,
    );
    expect(() => SftConfig.parse({ lora: { dropout: 0.95 } })).toThrow(/dropout/);
  });
});

describe('SFT with LoRA', () => {
  const tok = toyTokenizer();
  const demos = toyDemos(16);
  const seqs = demos.map((d) => encodeChat(tok, d.prompt, d.response));
  const cfg = (over: object = {}) =>
    SftConfig.parse({
      out: outDir(),
      steps: 40,
      batchSize: 16,
      lr: 1e-2,
      warmupSteps: 3,
      heldoutFraction: 0,
      saveEvery: 0,
      evalEvery: 1000,
      lora: { rank: 4 },
      ...over,
    });

  it('learns through the adapters alone, merges them, and the saved checkpoint gives their logits', () => {
    const model = baseModel(tok.vocabSize, 4);
    const start = model.clone();
    const before = responseLoss(model, seqs, tok.padId ?? 0, 16);
    const c = cfg();
    const result = trainSft(model, tok, demos, c, { quiet: true });
    const lora = result.lora!;
    expect(lora.byProjection.size).toBe(2 * 6); // q, k, v, o, fc, proj in each of 2 layers
    expect(model.lora).toBeNull(); // merged: an ordinary model again
    expect(result.finalTrainLoss).toBeLessThan(before - 1.5);
    expect(responseLoss(model, seqs, tok.padId ?? 0, 16)).toBeLessThan(before - 1.5);
    // the frozen weights are the start's, byte for byte; an adapted W is the start's plus (α/r)·B·A
    for (const [name, p] of model.params) {
      const w0 = start.params.get(name)!.data;
      if (!adapted(lora, name)) {
        expect(bytes(p.data).equals(bytes(w0)), name).toBe(true);
        continue;
      }
      const { A, B, scale } = lora.byProjection.get(name.replace(/\.weight$/, ''))!;
      const [outF, inF] = p.shape;
      const r = A.shape[0];
      let worst = 0;
      for (let i = 0; i < outF; i++)
        for (let j = 0; j < inF; j++) {
          let ba = 0;
          for (let k = 0; k < r; k++) ba += B.data[i * r + k] * A.data[k * inF + j];
          worst = Math.max(worst, Math.abs(p.data[i * inF + j] - (w0[i * inF + j] + scale * ba)));
        }
      expect(worst, name).toBeLessThan(1e-6);
    }
    // the run's folder: the merged checkpoint, and the adapter beside it, which rebuilds the model
    finishRunDir(c.out, model, tok, { method: 'sft' }, { lora, base: 'runs/base' });
    expect(existsSync(join(c.out, 'adapter.json'))).toBe(true);
    const saved = loadModel(c.out).model;
    const adapter = readAdapterFiles(c.out);
    expect(adapter.options).toEqual({ rank: 4, alpha: 16, targets: ['attn', 'mlp'], dropout: 0 });
    attachLora(start, adapter.options, adapter.weights);
    const batch = { ids: Int32Array.from(seqs[0].ids), B: 1, T: seqs[0].ids.length };
    expect(maxDiff(logitsOf(saved, batch), logitsOf(start, batch))).toBeLessThan(1e-5);
  });

  it("with dropout: the first step's gradients see the masks (its loss cannot: B starts at 0), and a repeat draws the same", () => {
    const run = (dropout: number) => {
      const { log, records } = recordingLog();
      const model = baseModel(tok.vocabSize, 3);
      const result = trainSft(model, tok, demos, cfg({ steps: 4, lora: { rank: 4, dropout } }), {
        log,
        quiet: true,
      });
      return { records, heldout: result.heldoutLoss };
    };
    const plain = run(0);
    const dropped = run(0.3);
    // B starts at 0, so the first step's loss cannot see the mask, but A's and B's gradients do
    expect(dropped.records[0].loss).toBe(plain.records[0].loss);
    expect(dropped.records[0].grad_norm).not.toBe(plain.records[0].grad_norm);
    expect(run(0.3).records.map((r) => r.grad_norm)).toEqual(dropped.records.map((r) => r.grad_norm));
  });

  it('says how many parameters train', () => {
    const model = baseModel(tok.vocabSize, 4);
    const lora = attachLora(model, { rank: 4, alpha: 16, targets: ['attn'] }, new Rng(1));
    // 2 layers × 4 projections × (4·32 + 32·4) = 2,048 of the model's weights plus those
    let total = 2048;
    for (const p of model.params.values()) total += p.size;
    expect(loraSummary(model, lora)).toBe(
      `LoRA r=4 on 8 projections: 2,048 of ${total.toLocaleString('en-US')} parameters train (${((100 * 2048) / total).toFixed(1)} %)`,
    );
  });

  for (const dropout of [0, 0.1])
    it(`a resumed LoRA run (dropout ${dropout}) ends exactly where an uninterrupted one does, from a state of adapters only`, () => {
      const run = { steps: 10, batchSize: 8, lr: 3e-3, warmupSteps: 2, lora: { rank: 4, dropout } };
      const full = baseModel(tok.vocabSize, 3);
      const fullResult = trainSft(full, tok, toyDemos(40), cfg(run), { quiet: true });

      const out = outDir();
      // killed at step 8, its state saved at step 6
      expect(() =>
        trainSft(baseModel(tok.vocabSize, 3), tok, toyDemos(40), cfg({ ...run, out, saveEvery: 3 }), {
          quiet: true,
          log: dyingLog(8),
        }),
      ).toThrow('killed');
      const state = readSafetensors(join(stateDir(out), 'model-model-6.safetensors')).tensors;
      expect([...state.keys()].every((n) => n.includes('.lora_'))).toBe(true);
      const resumed = baseModel(tok.vocabSize, 3); // the same base: only the adapters come from the state
      const resumedResult = trainSft(
        resumed,
        tok,
        toyDemos(40),
        cfg({ ...run, out, saveEvery: 3, resume: true }),
        {
          quiet: true,
        },
      );
      for (const [name, p] of full.params)
        expect(bytes(resumed.params.get(name)!.data).equals(bytes(p.data)), name).toBe(true);
      expect(resumedResult.finalTrainLoss).toBe(fullResult.finalTrainLoss);
    });

  it('refuses to resume a LoRA run from another base, whose frozen weights its state does not hold', () => {
    const run = { steps: 6, batchSize: 8, lr: 3e-3, warmupSteps: 2 };
    const out = outDir();
    expect(() =>
      trainSft(baseModel(tok.vocabSize, 3), tok, toyDemos(40), cfg({ ...run, out, saveEvery: 3 }), {
        quiet: true,
        log: dyingLog(5),
      }),
    ).toThrow('killed');
    const other = baseModel(tok.vocabSize, 4); // another seed: other frozen weights
    expect(() =>
      trainSft(other, tok, toyDemos(40), cfg({ ...run, out, saveEvery: 3, resume: true }), { quiet: true }),
    ).toThrow(
      /'model' was saved with only its trainable weights, and the frozen ones it was trained on differ/,
    );
    // the same base resumes
    expect(() =>
      trainSft(
        baseModel(tok.vocabSize, 3),
        tok,
        toyDemos(40),
        cfg({ ...run, out, saveEvery: 3, resume: true }),
        {
          quiet: true,
        },
      ),
    ).not.toThrow();
  });
});

describe('preference trainers with LoRA', () => {
  const tok = toyTokenizer();

  it('rm train: the head trains beside the adapters and the RM learns the rankings', () => {
    const rm = baseModel(tok.vocabSize, 5).clone({ scalarHead: 'fresh', rng: new Rng(1) });
    const start = rm.clone();
    const result = trainRewardModel(
      rm,
      tok,
      toyPreferences(48),
      RewardConfig.parse({ out: outDir(), epochs: 3, lr: 3e-3, heldoutFraction: 0.25, lora: { rank: 4 } }),
      { quiet: true },
    );
    expect(result.lora!.byProjection.size).toBe(12);
    expect(result.heldoutAccuracy).toBeGreaterThan(0.9);
    for (const [name, p] of rm.params) {
      const moved = !bytes(p.data).equals(bytes(start.params.get(name)!.data));
      // the ranking loss sees score differences only: the head's bias gets no gradient
      expect(moved, name).toBe(name === 'scalar_head.weight' || adapted(result.lora!, name));
    }
  });

  it('dpo: the policy starts as its reference (margin 0) and the adapters raise the margin', () => {
    const model = baseModel(tok.vocabSize, 5);
    const emb = Float32Array.from(model.params.get('tok_emb')!.data);
    const { log, records } = recordingLog();
    const result = trainDpo(
      model,
      tok,
      toyPreferences(32),
      DpoConfig.parse({
        out: outDir(),
        epochs: 4,
        batchPairs: 8,
        lr: 1e-2,
        warmupSteps: 2,
        heldoutFraction: 0.25,
        saveEvery: 0,
        evalEvery: 1000,
        lora: { rank: 4, targets: 'attn' },
      }),
      { quiet: true, log },
    );
    expect(result.lora!.byProjection.size).toBe(8);
    expect(records[0].margin).toBeCloseTo(0, 5); // float noise only: other batches pad otherwise
    expect(records[records.length - 1].margin).toBeGreaterThan(0.3);
    expect(result.heldout.accuracy).toBeGreaterThan(0.8);
    expect(bytes(model.params.get('tok_emb')!.data).equals(bytes(emb))).toBe(true);
  });

  it('kto: every first reward is 0 against the base reference, and desirable answers rise above the rest', () => {
    const model = baseModel(tok.vocabSize, 5);
    const { log, records } = recordingLog();
    const examples = toyPreferences(48).flatMap((p) => [
      { prompt: p.prompt, completion: p.candidates[0], desirable: true },
      { prompt: p.prompt, completion: p.candidates[1], desirable: false },
    ]);
    const result = trainKto(
      model,
      tok,
      examples,
      KtoConfig.parse({
        out: outDir(),
        epochs: 2,
        batchSize: 16,
        lr: 1e-2,
        warmupSteps: 2,
        heldoutFraction: 0.25,
        saveEvery: 0,
        evalEvery: 1000,
        lora: { rank: 4, targets: 'mlp' },
      }),
      { quiet: true, log },
    );
    expect(result.lora!.byProjection.size).toBe(4);
    expect(records[0].loss).toBeCloseTo(0.5, 5);
    expect(result.heldout.desirableReward!).toBeGreaterThan(result.heldout.undesirableReward!);
  });
});
