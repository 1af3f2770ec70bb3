import { existsSync, mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as T from '../tensor/index.js';
import { BpeTokenizer } from '../tokenizer/bpe.js';
import { sharedFile } from '../tokenizer/shared-data.js';
import { Rng } from '../util/rng.js';
import { loadModel, saveCheckpoint } from './checkpoint.js';
import { resolveModelConfig } from './config.js';
import { Transformer } from './transformer.js';

const config = resolveModelConfig({
  arch: 'gpt',
  vocabSize: 270,
  contextLength: 16,
  nLayers: 1,
  dim: 8,
  nHeads: 2,
});
const tokenizer = BpeTokenizer.train('hello world hello there '.repeat(5), 270);

describe('rein checkpoints', () => {
  const root = mkdtempSync(join(tmpdir(), 'rein-ckpt-'));

  it('saves and loads model, scalar head, tokenizer and meta, giving the same outputs', () => {
    const model = Transformer.init(config, new Rng(1)).clone({ scalarHead: 'fresh', rng: new Rng(2) });
    const dir = join(root, 'rm');
    saveCheckpoint(dir, model, tokenizer, { step: 12, method: 'reward' });
    const back = loadModel(dir);
    expect(back.format).toBe('rein');
    expect(back.meta).toEqual({ step: 12, method: 'reward' });
    expect(back.model.config).toEqual(config);
    expect(back.tokenizer!.encode('hello there')).toEqual(tokenizer.encode('hello there'));
    const batch = { ids: Int32Array.from(tokenizer.encode('hello world')), B: 1, T: 0 };
    batch.T = batch.ids.length;
    const a = T.noGrad(() => model.scalarAtLast(batch)).data[0];
    expect(T.noGrad(() => back.model.scalarAtLast(batch)).data[0]).toBe(a);
    expect(readdirSync(root).filter((f) => f.startsWith('.'))).toEqual([]); // no temp folders left
  });

  it('keeps q, k and v biases (Qwen2) and rope scaling (Llama 3), written only where a model has them', () => {
    const qwen = resolveModelConfig({
      arch: 'llama',
      vocabSize: 270,
      contextLength: 16,
      nLayers: 1,
      dim: 8,
      nHeads: 2,
      qkvBias: true,
      ropeScaling: { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 64 },
    });
    const model = Transformer.init(qwen, new Rng(1));
    model.params.get('layers.0.attn.k.bias')!.data.fill(0.5); // init leaves biases at 0
    const dir = join(root, 'qwen');
    saveCheckpoint(dir, model, tokenizer);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).model).toMatchObject({
      qkvBias: true,
      bias: false,
      ropeScaling: { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 64 },
    });
    const back = loadModel(dir).model;
    expect(back.config).toEqual(qwen);
    expect([...back.params.keys()].filter((n) => n.endsWith('.bias')).sort()).toEqual([
      'layers.0.attn.k.bias',
      'layers.0.attn.q.bias',
      'layers.0.attn.v.bias',
    ]);
    expect(back.params.get('layers.0.attn.k.bias')!.data.every((v) => v === 0.5)).toBe(true);
    // a gpt (biases everywhere) and a plain llama keep the config they always had
    const plain = join(root, 'plain');
    saveCheckpoint(plain, Transformer.init(config, new Rng(1)), null);
    const plainJson = JSON.parse(readFileSync(join(plain, 'config.json'), 'utf8')).model;
    expect(plainJson.qkvBias).toBeUndefined();
    expect(plainJson.ropeScaling).toBeUndefined();
    expect(loadModel(plain).model.config.qkvBias).toBe(true);
  });

  it('refuses a qkvBias that contradicts bias, naming the field', () => {
    const base = { vocabSize: 20, contextLength: 8, nLayers: 1, dim: 8, nHeads: 2 };
    expect(() => resolveModelConfig({ ...base, arch: 'llama', bias: true, qkvBias: false })).toThrow(
      /field 'qkvBias': bias puts biases on every layer/,
    );
    expect(() => resolveModelConfig({ ...base, arch: 'gpt', bias: false, qkvBias: true })).toThrow(
      /field 'qkvBias': q, k and v biases alone are a llama \(Qwen2\) layout/,
    );
    expect(resolveModelConfig({ ...base, arch: 'llama' }).qkvBias).toBe(false);
    const scaling = { factor: 8, lowFreqFactor: 4, highFreqFactor: 1, originalContext: 64 };
    expect(() => resolveModelConfig({ ...base, arch: 'llama', ropeScaling: scaling })).toThrow(
      /field 'ropeScaling': highFreqFactor must exceed lowFreqFactor/,
    );
    expect(() =>
      resolveModelConfig({ ...base, arch: 'gpt', ropeScaling: { ...scaling, highFreqFactor: 8 } }),
    ).toThrow(/field 'ropeScaling': rope scaling needs rotary positions/);
  });

  it('replaces an existing checkpoint whole', () => {
    const dir = join(root, 'policy');
    saveCheckpoint(dir, Transformer.init(config, new Rng(1)), tokenizer, { step: 1 });
    saveCheckpoint(dir, Transformer.init(config, new Rng(2)), null, { step: 2 });
    const back = loadModel(dir);
    expect(back.meta.step).toBe(2);
    expect(back.tokenizer).toBeNull();
    expect(existsSync(join(dir, 'tokenizer.json'))).toBe(false);
  });

  it('names the file and the problem when a checkpoint is truncated or foreign', () => {
    const dir = join(root, 'cut');
    saveCheckpoint(dir, Transformer.init(config, new Rng(1)), null);
    const weights = join(dir, 'model.safetensors');
    truncateSync(weights, readFileSync(weights).length - 10);
    expect(() => loadModel(dir)).toThrow(/cut\/model\.safetensors: truncated/);
    const foreign = mkdtempSync(join(tmpdir(), 'rein-foreign-'));
    writeFileSync(join(foreign, 'config.json'), '{"hello": 1}');
    expect(() => loadModel(foreign)).toThrow(/config\.json: neither a rein checkpoint/);
    writeFileSync(
      join(foreign, 'config.json'),
      '{"format": "rein-checkpoint", "version": 1, "model": {"arch": "gpt"}, "tokenizer": null}',
    );
    expect(() => loadModel(foreign)).toThrow(/config\.json: field 'model\.vocabSize'/);
    writeFileSync(join(foreign, 'notes.txt'), 'not a model at all, just some words in a text file');
    expect(() => loadModel(join(foreign, 'notes.txt'))).toThrow(/notes\.txt: not a llama2\.c checkpoint/);
    expect(() => loadModel(join(foreign, 'nothing'))).toThrow(/nothing: no such model/);
  });

  const bin = sharedFile('llama2c', 'stories260K.bin');
  const tok = sharedFile('llama2c', 'tok512.bin');
  it.skipIf(!bin || !tok)(
    'converts stories260K to a rein checkpoint with its llama2.c tokenizer (shared data)',
    () => {
      const src = loadModel(bin!, tok!);
      expect(src.format).toBe('llama2c');
      const dir = join(root, 'stories');
      saveCheckpoint(dir, src.model, src.tokenizer);
      const back = loadModel(dir);
      expect(back.tokenizer!.kind).toBe('llama2c');
      expect(back.tokenizer!.encode('Once upon a time')).toEqual(src.tokenizer!.encode('Once upon a time'));
      const ids = { ids: Int32Array.of(1, 403, 407), B: 1, T: 3 };
      expect(T.noGrad(() => back.model.logits(ids)).toArray()).toEqual(
        T.noGrad(() => src.model.logits(ids)).toArray(),
      );
    },
  );
});
