import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataFileError } from '../../data/jsonl.js';
import { readTrainingRun, runLabels } from './read-run.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'rein-run-report-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A run folder holding `log` as log.jsonl (and the other files given). */
function runDir(name: string, log: string, files: Record<string, unknown> = {}): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'log.jsonl'), log);
  for (const [f, v] of Object.entries(files)) writeFileSync(join(dir, f), JSON.stringify(v));
  return dir;
}
const lines = (records: unknown[]) => records.map((r) => `${JSON.stringify(r)}\n`).join('');

describe('reading a run folder', () => {
  it('makes each metric a series on its own steps (held-out every N steps, eval metrics now and then)', () => {
    const records = Array.from({ length: 6 }, (_, i) => ({
      time: `2026-11-26T10:00:0${i}.000Z`,
      step: i + 1,
      loss: 6 - i,
      lr: 0.001,
      ...((i + 1) % 3 === 0 ? { heldout_loss: 10 + i } : {}),
    }));
    const run = readTrainingRun(
      runDir('sparse', lines(records), { 'train-config.json': { steps: 6, data: 'd' } }),
    );
    expect([...run.metrics.keys()]).toEqual(['loss', 'lr', 'heldout_loss']);
    expect(run.metrics.get('loss')?.points).toHaveLength(6);
    expect(run.metrics.get('heldout_loss')?.points).toEqual([
      [3, 12],
      [6, 15],
    ]);
    expect(run).toMatchObject({ method: 'sft', stepName: 'step', records: 6, firstStep: 1, lastStep: 6 });
    expect(run).toMatchObject({ finished: false, plannedSteps: 6 });
    expect(run.end!.getTime() - run.start!.getTime()).toBe(5000);
  });

  it('keeps non-finite and non-numeric values aside with their step and line; a key never numeric is no metric', () => {
    const log = lines([
      { iteration: 1, rm_score: 0.5, kl: 0, note: 'warmup' },
      { iteration: 2, rm_score: null, kl: 'Infinity', note: 'x' },
      { iteration: 3, rm_score: 0.7, kl: 'big' },
    ]);
    const run = readTrainingRun(runDir('bad-values', log));
    expect(run.method).toBe('ppo');
    expect(run.stepName).toBe('iteration');
    expect(run.metrics.has('note')).toBe(false);
    expect(run.metrics.get('rm_score')).toEqual({
      points: [
        [1, 0.5],
        [3, 0.7],
      ],
      leftOut: [{ x: 2, line: 2, value: 'null', nonFinite: true }],
    });
    expect(run.metrics.get('kl')?.leftOut).toEqual([
      { x: 2, line: 2, value: 'Infinity', nonFinite: true },
      { x: 3, line: 3, value: '"big"', nonFinite: false },
    ]);
  });

  it('tells the method from the checkpoint, else the config, else the log', () => {
    const log = lines([{ step: 1, loss: 1, train_accuracy: 0.5 }]);
    const checkpoint = { format: 'rein-checkpoint', meta: { method: 'reward-model-patch' } };
    const patched = readTrainingRun(runDir('m1', log, { 'config.json': checkpoint }));
    expect(patched).toMatchObject({ method: 'rm-patch', finished: true });
    expect(readTrainingRun(runDir('m2', log, { 'train-config.json': { vocabSize: 512 } })).method).toBe(
      'pretrain',
    );
    expect(readTrainingRun(runDir('m3', log)).method).toBe('rm');
    const grpoLog = lines([{ iteration: 1, rm_score: 0.1, reward_std: 0.2, zero_spread_fraction: 0 }]);
    expect(readTrainingRun(runDir('m5', grpoLog))).toMatchObject({ method: 'grpo', stepName: 'iteration' });
    const grpoConfig = { 'train-config.json': { rm: 'r', policy: 'p', iterations: 9, groupSize: 4 } };
    expect(readTrainingRun(runDir('m6', grpoLog, grpoConfig))).toMatchObject({
      method: 'grpo',
      plannedSteps: 9,
    });
    // RLOO (a finished run's meta names it): GRPO's options with the leave-one-out baseline, or its log
    const rlooLog = lines([
      { iteration: 1, rm_score: 0.1, kl_penalised_reward: 0.05, zero_spread_fraction: 0 },
    ]);
    expect(readTrainingRun(runDir('m7', rlooLog))).toMatchObject({ method: 'rloo', stepName: 'iteration' });
    const rlooConfig = {
      'train-config.json': { ...grpoConfig['train-config.json'], baseline: 'leave-one-out' },
    };
    expect(readTrainingRun(runDir('m8', grpoLog, rlooConfig))).toMatchObject({
      method: 'rloo',
      plannedSteps: 9,
    });
    // online DPO: its pairs per step beside its answers per prompt, or its pairs' score gap in the log
    const onlineLog = lines([{ iteration: 1, rm_score: 0.1, kl: 0, pairs: 3, score_gap: 0.4, loss: 0.69 }]);
    expect(readTrainingRun(runDir('m11', onlineLog))).toMatchObject({
      method: 'online-dpo',
      stepName: 'iteration',
    });
    const onlineConfig = {
      'train-config.json': { ...grpoConfig['train-config.json'], batchPairs: 8, lossType: 'sigmoid' },
    };
    expect(readTrainingRun(runDir('m12', grpoLog, onlineConfig))).toMatchObject({
      method: 'online-dpo',
      plannedSteps: 9,
    });
    // KTO: its weights in the config, or each kind's reward in the log (a batch may hold one kind only)
    const ktoLog = lines([{ step: 1, loss: 0.5, kl: 0, undesirable_reward: -0.1 }]);
    expect(readTrainingRun(runDir('m9', ktoLog)).method).toBe('kto');
    const ktoConfig = { 'train-config.json': { data: 'd', desirableWeight: 1, undesirableWeight: 1 } };
    expect(readTrainingRun(runDir('m10', log, ktoConfig)).method).toBe('kto');
    // distillation: a teacher and λ in the config, or the answers' length in the log (whose answers: a label)
    const distillLog = lines([{ step: 1, loss: 0.3, answers: 'student', answer_length: 9 }]);
    const distilled = readTrainingRun(runDir('m13', distillLog));
    expect(distilled.method).toBe('distill');
    expect([...distilled.metrics.keys()]).not.toContain('answers');
    const distillConfig = { 'train-config.json': { data: 'd', steps: 9, teacher: 't', lmbda: 0.5 } };
    expect(readTrainingRun(runDir('m14', log, distillConfig))).toMatchObject({
      method: 'distill',
      plannedSteps: 9,
    });
    // a Hugging Face config.json is not a finished rein run
    expect(readTrainingRun(runDir('m4', log, { 'config.json': { model_type: 'gpt2' } })).finished).toBe(
      false,
    );
  });

  it('keeps records without a step as events and notes a last line cut short by a kill', () => {
    const log = `${lines([
      { step: 1, loss: 2 },
      { event: 'done', heldout_accuracy: 0.75 },
    ])}{"step": 2, "lo`;
    const run = readTrainingRun(runDir('events', log));
    expect(run.events).toEqual([{ line: 2, fields: { event: 'done', heldout_accuracy: 0.75 } }]);
    expect(run.records).toBe(1);
    expect(run.notes).toEqual(['log.jsonl:3 is cut short (the run was stopped while writing it); left out']);
  });

  it('names the file, line and field of a malformed record', () => {
    const bad = (name: string, log: string) => () => readTrainingRun(runDir(name, log));
    expect(bad('json', `${lines([{ step: 1, loss: 1 }])}{"step": 2,\n${lines([{ step: 3 }])}`)).toThrow(
      /json\/log\.jsonl:2: not valid JSON/,
    );
    expect(bad('json', `${lines([{ step: 1, loss: 1 }])}{"step": 2,\n`)).toThrow(DataFileError);
    expect(bad('array', lines([{ step: 1 }, [1, 2]]))).toThrow(/array\/log\.jsonl:2: not a JSON object/);
    expect(bad('step', lines([{ step: 1 }, { step: 'two', loss: 1 }]))).toThrow(
      /step\/log\.jsonl:2: field 'step': must be a number, got "two"/,
    );
    expect(bad('back', lines([{ step: 1 }, { step: 2 }, { step: 1 }]))).toThrow(
      /back\/log\.jsonl:3: field 'step': 1 after 2/,
    );
  });

  it('refuses a missing folder, a folder without a log, an empty log, a log without steps', () => {
    expect(() => readTrainingRun(join(root, 'nope'))).toThrow(/nope: no such folder/);
    mkdirSync(join(root, 'no-log'));
    expect(() => readTrainingRun(join(root, 'no-log'))).toThrow(/no-log: no log\.jsonl/);
    expect(() => readTrainingRun(runDir('empty', '\n\n'))).toThrow(/empty\/log\.jsonl: empty log/);
    expect(() => readTrainingRun(runDir('events-only', lines([{ event: 'done' }])))).toThrow(
      /no record has a step or iteration/,
    );
    const cfg = runDir('bad-config', lines([{ step: 1, loss: 1 }]));
    writeFileSync(join(cfg, 'train-config.json'), '{"lr": ');
    expect(() => readTrainingRun(cfg)).toThrow(/bad-config\/train-config\.json: not valid JSON/);
  });

  it('labels runs by folder name, by path where two share one', () => {
    expect(runLabels(['runs/sft/', 'runs/ppo'])).toEqual(['sft', 'ppo']);
    expect(runLabels(['a/sft', 'b/sft', 'c'])).toEqual(['a/sft', 'b/sft', 'c']);
  });
});
