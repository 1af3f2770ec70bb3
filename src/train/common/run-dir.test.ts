import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel, saveCheckpoint } from '../../model/checkpoint.js';
import { tinyModel, toyTokenizer } from '../test-helpers/fixtures.js';
import { finishRunDir, openRunDir, saveRunConfig } from './run-dir.js';

const root = mkdtempSync(join(tmpdir(), 'rein-rundir-'));
const tok = toyTokenizer();

function fakeState(dir: string, step: number): void {
  mkdirSync(join(dir, 'state'), { recursive: true });
  writeFileSync(join(dir, 'state', 'state.json'), JSON.stringify({ step, parts: {}, extra: {} }));
}
const logOf = (dir: string) =>
  readFileSync(join(dir, 'log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('run folders', () => {
  it('accepts a new or empty folder, refuses one holding other things', () => {
    expect(openRunDir(join(root, 'new'), false).resumeStep).toBeNull();
    mkdirSync(join(root, 'empty'));
    expect(openRunDir(join(root, 'empty'), true).resumeStep).toBeNull();
    const mine = join(root, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'thesis.tex'), 'x');
    expect(() => openRunDir(mine, false)).toThrow(
      /--out .*mine: the folder holds other files \(thesis\.tex\)/,
    );
    const hf = join(root, 'hf');
    mkdirSync(hf);
    writeFileSync(join(hf, 'config.json'), JSON.stringify({ model_type: 'gpt2' }));
    expect(() => openRunDir(hf, false)).toThrow(/holds other files \(config\.json\)/);
    writeFileSync(join(root, 'file'), 'x');
    expect(() => openRunDir(join(root, 'file'), false)).toThrow(/exists and is not a folder/);
  });

  it('on resume, keeps the log up to the saved step; a fresh run clears log and state', () => {
    const dir = join(root, 'run');
    mkdirSync(dir);
    fakeState(dir, 2);
    const lines = [{ step: 1 }, { step: 2 }, { step: 3 }, { event: 'note' }].map((r) => JSON.stringify(r));
    writeFileSync(join(dir, 'log.jsonl'), `${lines.join('\n')}\n{"step": 4, "lo`);
    const r = openRunDir(dir, true);
    expect(r.resumeStep).toBe(2);
    expect(logOf(dir)).toEqual([{ step: 1 }, { step: 2 }, { event: 'note' }]);
    openRunDir(dir, false);
    expect(existsSync(join(dir, 'log.jsonl'))).toBe(false);
    expect(existsSync(join(dir, 'state'))).toBe(false);
  });

  it('finishes as a loadable checkpoint that keeps the log and config, drops the state, and replaces an older one', () => {
    const dir = join(root, 'done');
    const first = tinyModel(tok.vocabSize, 1);
    saveCheckpoint(dir, first, tok); // an earlier run's checkpoint: a fresh run may replace it
    const run = openRunDir(dir, false);
    saveRunConfig(dir, { lr: 0.5 });
    writeFileSync(run.logFile, '{"step":1}\n');
    fakeState(dir, 1);
    const model = tinyModel(tok.vocabSize, 2);
    finishRunDir(dir, model, tok, { method: 'test' });
    const loaded = loadModel(dir);
    expect(loaded.meta).toEqual({ method: 'test' });
    expect(Array.from(loaded.model.params.get('tok_emb')!.data)).toEqual(
      Array.from(model.params.get('tok_emb')!.data),
    );
    expect(logOf(dir)).toEqual([{ step: 1 }]);
    expect(JSON.parse(readFileSync(join(dir, 'train-config.json'), 'utf8'))).toEqual({ lr: 0.5 });
    expect(existsSync(join(dir, 'state'))).toBe(false);
    // nothing left beside it
    expect(readdirSync(root).filter((f) => f.startsWith('.done.'))).toEqual([]);
    expect(() => openRunDir(dir, true)).toThrow(/finished checkpoint and no saved state — nothing to resume/);
  });
});
