import { existsSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadModel } from '../../model/checkpoint.js';
import { RunLog } from '../common/run-log.js';
import { toyDemos } from '../test-helpers/fixtures.js';
import { PretrainConfig } from './config.js';
import { pretrain } from './train.js';

describe('pretrain', () => {
  it('learns a corpus of documents and dialogues from scratch and saves a loadable checkpoint', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rein-pretrain-'));
    const corpus = join(dir, 'corpus.jsonl');
    const lines = toyDemos(300).flatMap((d) => [
      JSON.stringify({ kind: 'dialogue', prompt: d.prompt, response: d.response }),
      JSON.stringify({ kind: 'doc', text: `${d.prompt} ${d.response}` }),
    ]);
    writeFileSync(corpus, `${lines.join('\n')}\n`);
    const out = join(dir, 'run');
    const cfg = PretrainConfig.parse({
      corpus,
      out,
      vocabSize: 320,
      dim: 32,
      layers: 2,
      heads: 2,
      contextLength: 64,
      steps: 80,
      batchSize: 16,
      lr: 5e-3,
      warmupSteps: 5,
      heldoutFraction: 0.05,
      saveEvery: 0,
    });
    const result = pretrain(cfg, { quiet: true });
    expect(result.heldoutLoss).toBeLessThan(1.2); // from ~ln(320) ≈ 5.8 at initialisation
    expect(existsSync(join(out, 'log.jsonl'))).toBe(true);
    const loaded = loadModel(out);
    expect(loaded.tokenizer?.vocabSize).toBe(loaded.model.config.vocabSize);
    expect(loaded.meta.method).toBe('pretrain');
  });

  it('names the corpus file and line of a malformed record', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rein-pretrain-'));
    const corpus = join(dir, 'bad.jsonl');
    writeFileSync(corpus, '{"text":"fine"}\n{"kind":"dialogue","prompt":3}\n');
    expect(() => pretrain(PretrainConfig.parse({ corpus, out: join(dir, 'run') }), { quiet: true })).toThrow(
      /bad\.jsonl:2/,
    );
  });

  it('resumes a killed run only with its own settings and its own tokenizer', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rein-pretrain-'));
    const corpus = join(dir, 'corpus.jsonl');
    const lines = toyDemos(40).map((d) => JSON.stringify({ kind: 'doc', text: `${d.prompt} ${d.response}` }));
    writeFileSync(corpus, `${lines.join('\n')}\n`);
    const out = join(dir, 'run');
    const settings = { corpus, out, vocabSize: 320, dim: 16, layers: 1, heads: 2, contextLength: 32 };
    const cfg = (more: object) =>
      PretrainConfig.parse({ ...settings, steps: 6, batchSize: 4, evalEvery: 2, saveEvery: 2, ...more });
    // killed while logging step 3 (its last save was after step 2)
    const write = RunLog.prototype.write;
    const dying = vi.spyOn(RunLog.prototype, 'write').mockImplementation(function (this: RunLog, r) {
      if (r.step === 3) throw new Error('killed');
      write.call(this, r);
    });
    expect(() => pretrain(cfg({}), { quiet: true })).toThrow('killed');
    dying.mockRestore();

    expect(() => pretrain(cfg({ resume: true, lr: 1e-3 }), { quiet: true })).toThrow(
      /started with other settings \(lr: 0\.002 → 0\.001\)/,
    );
    renameSync(join(out, 'tokenizer.json'), join(dir, 'tokenizer.json'));
    expect(() => pretrain(cfg({ resume: true }), { quiet: true })).toThrow(/no tokenizer\.json/);
    renameSync(join(dir, 'tokenizer.json'), join(out, 'tokenizer.json'));
    // in smaller passes (a run killed for want of memory): how a batch is split is free to change
    expect(pretrain(cfg({ resume: true, microBatch: 2 }), { quiet: true }).steps).toBe(6);
  });
});
