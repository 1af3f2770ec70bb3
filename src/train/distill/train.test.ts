import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveModelConfig } from '../../model/config.js';
import { generate } from '../../model/generate.js';
import { Transformer } from '../../model/transformer.js';
import { chatStopIds, encodeChat } from '../../tokenizer/chat-template.js';
import { Rng } from '../../util/rng.js';
import { batchIndices, splitIndices } from '../common/shuffle-batches.js';
import { SftConfig } from '../sft/config.js';
import { responseLoss, trainSft } from '../sft/train.js';
import { tinyModel, toyDemos, toyTokenizer } from '../test-helpers/fixtures.js';
import { recordingLog } from '../test-helpers/run-logs.js';
import { expectSameSteps } from '../test-helpers/same-steps.js';
import { DistillConfig } from './config.js';
import { answerSource, heldoutDivergence, trainDistill } from './train.js';

const tok = toyTokenizer();
const demos = toyDemos(48);
const seqs = demos.map((d) => encodeChat(tok, d.prompt, d.response));
const padId = tok.padId ?? 0;
const tmp = () => mkdtempSync(join(tmpdir(), 'rein-distill-'));

/** The teacher: a tiny model fine-tuned on the toy sums until it answers them. */
const teacher = tinyModel(tok.vocabSize, 1);
trainSft(
  teacher,
  tok,
  demos,
  SftConfig.parse({
    out: tmp(),
    steps: 60,
    batchSize: 16,
    lr: 1e-2,
    warmupSteps: 5,
    heldoutFraction: 0,
    saveEvery: 0,
    evalEvery: 1000,
  }),
  { quiet: true },
);

/** A student half the teacher's width, untrained. */
const smallStudent = (seed = 5) =>
  Transformer.init(
    resolveModelConfig({
      arch: 'gpt',
      vocabSize: tok.vocabSize,
      contextLength: 64,
      nLayers: 2,
      dim: 16,
      nHeads: 2,
    }),
    new Rng(seed),
  );

const config = (o: Partial<DistillConfig>) =>
  DistillConfig.parse({
    out: tmp(),
    batchSize: 8,
    lr: 1e-2,
    warmupSteps: 2,
    maxNew: 8,
    saveEvery: 0,
    evalEvery: 1000,
    ...o,
  });

describe('trainDistill', () => {
  it("a smaller student learns the teacher's answers from its distributions alone", () => {
    const student = smallStudent();
    const before = heldoutDivergence(student, teacher, seqs, padId, { beta: 0.5 }, 16);
    const lossBefore = responseLoss(student, seqs, padId, 16);
    const result = trainDistill(
      student,
      teacher,
      tok,
      { examples: demos },
      config({ steps: 160, heldoutFraction: 0.1 }),
      {
        quiet: true,
      },
    );
    const after = heldoutDivergence(student, teacher, seqs, padId, { beta: 0.5 }, 16);
    expect(after).toBeLessThan(before / 5);
    expect(result.heldoutLoss).toBeLessThan(before / 5);
    expect(result.onPolicySteps).toBeGreaterThan(60); // λ = 0.5 of 160
    expect(result.onPolicySteps).toBeLessThan(100);
    // no step saw a label, yet the data's answers are now likely under the student (the teacher's loss: 0.31)
    expect(lossBefore).toBeGreaterThan(5);
    expect(responseLoss(student, seqs, padId, 16)).toBeLessThan(1);
  });

  for (const source of ['student', 'teacher'] as const) {
    it(`a step on the ${source}'s answers learns on what it samples to the examples' prompts and the prompts given alone`, () => {
      const student = smallStudent();
      const before = student.clone();
      // hot sampling, so that even the teacher's answers stray from the data's
      const cfg = config({
        steps: 1,
        heldoutFraction: 0,
        lmbda: source === 'student' ? 1 : 0,
        seqKd: true,
        temperature: 2,
      });
      const { log, records } = recordingLog();
      // 4 examples and 4 prompts given alone: the step answers all 8
      const alone = ['what is nine ?', 'what is two plus two ?', 'what is one ?', 'what is eight ?'];
      trainDistill(student, teacher, tok, { examples: demos.slice(0, 4), prompts: alone }, cfg, {
        log,
        quiet: true,
      });
      expect(records[0].answers).toBe(source);
      // the same answers sampled again, by the model as it was: the step's loss is the divergence on them
      const pool = [...splitIndices(4, 0, cfg.seed).train.map((i) => demos[i].prompt), ...alone];
      const rows = batchIndices(pool.length, 8, cfg.seed, 0).map((i) => pool[i]);
      const prompts = rows.map((p) => encodeChat(tok, p).ids);
      const sampler = source === 'student' ? before : teacher;
      const gens = generate(sampler, prompts, {
        maxNew: 8,
        temperature: 2,
        stopIds: chatStopIds(tok),
        seed: cfg.seed * 100_003,
      });
      const sampled = prompts.map((p, i) => ({ ids: [...p, ...gens[i].ids], responseStart: p.length }));
      expect(records[0].loss).toBeCloseTo(heldoutDivergence(before, teacher, sampled, padId, cfg, 8), 5);
      const onData = heldoutDivergence(before, teacher, seqs.slice(0, 8), padId, cfg, 8);
      expect(Math.abs(records[0].loss - onData)).toBeGreaterThan(1e-3);
    });
  }

  it("takes the student's answers on a share λ of the steps, the teacher's or the data's on the rest", () => {
    const sources = (o: { lmbda: number; seqKd: boolean }) =>
      Array.from({ length: 400 }, (_, s) => answerSource({ ...o, seed: 3 }, s));
    const share = sources({ lmbda: 0.3, seqKd: false }).filter((s) => s === 'student').length / 400;
    expect(share).toBeGreaterThan(0.24);
    expect(share).toBeLessThan(0.36);
    expect(new Set(sources({ lmbda: 0.3, seqKd: false }))).toEqual(new Set(['student', 'data']));
    expect(new Set(sources({ lmbda: 0.3, seqKd: true }))).toEqual(new Set(['student', 'teacher']));
    expect(new Set(sources({ lmbda: 0, seqKd: false }))).toEqual(new Set(['data']));
    expect(new Set(sources({ lmbda: 1, seqKd: false }))).toEqual(new Set(['student']));
    expect(sources({ lmbda: 0.3, seqKd: false })).toEqual(sources({ lmbda: 0.3, seqKd: false }));
  });

  it('a resumed run ends exactly where an uninterrupted one does (the coin and the samples keyed by step)', () => {
    const base = { heldoutFraction: 0.1, lmbda: 0.5, lr: 3e-3 };
    const full = smallStudent();
    trainDistill(full, teacher, tok, { examples: demos }, config({ ...base, steps: 10 }), { quiet: true });
    const out = tmp();
    trainDistill(
      smallStudent(),
      teacher,
      tok,
      { examples: demos },
      config({ ...base, out, steps: 6, saveEvery: 3 }),
      {
        quiet: true,
      },
    ); // "killed" after its save at step 6
    const resumed = smallStudent(99); // another init: every weight must come from the state
    trainDistill(
      resumed,
      teacher,
      tok,
      { examples: demos },
      config({ ...base, out, steps: 10, saveEvery: 3, resume: true }),
      {
        quiet: true,
      },
    );
    for (const [name, p] of full.params)
      expect(Array.from(resumed.params.get(name)!.data)).toEqual(Array.from(p.data));
  });

  it('takes the same steps in passes of 3 as in one pass (each pass weighted by its answer tokens)', () => {
    const run = (microBatch: number) => {
      const { log, records } = recordingLog();
      const cfg = config({ steps: 4, lmbda: 0.5, heldoutFraction: 0, microBatch, lr: 3e-3 });
      trainDistill(smallStudent(), teacher, tok, { examples: demos }, cfg, { log, quiet: true });
      return records;
    };
    const whole = run(0);
    expect(new Set(whole.map((r) => r.answers))).toEqual(new Set(['student', 'data']));
    expectSameSteps(whole, run(3), ['loss', 'grad_norm']);
  });

  it('distils on texts off-policy; refuses to sample answers to texts, and prompts it would never answer', () => {
    const texts = demos.map((d) => ({ text: `${d.prompt} ${d.response}` }));
    const result = trainDistill(
      smallStudent(),
      teacher,
      tok,
      { examples: texts },
      config({ steps: 2, lmbda: 0 }),
      {
        quiet: true,
      },
    );
    expect(Number.isFinite(result.finalTrainLoss)).toBe(true);
    expect(() =>
      trainDistill(smallStudent(), teacher, tok, { examples: texts }, config({ steps: 2 }), { quiet: true }),
    ).toThrow(/texts have no prompt to sample an answer to/);
    expect(() =>
      trainDistill(
        smallStudent(),
        teacher,
        tok,
        { examples: demos, prompts: ['what is one ?'] },
        config({ steps: 1, lmbda: 0 }),
        {
          quiet: true,
        },
      ),
    ).toThrow(/prompts without answers are only answered by sampling/);
  });
});
