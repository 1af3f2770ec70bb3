import { describe, expect, it } from 'vitest';
import { loadModel } from '../model/checkpoint.js';
import { sharedFile } from '../tokenizer/shared-data.js';
import { sampleCandidates } from './sample-candidates.js';

const model = sharedFile('llama2c', 'stories260K.bin');
const tok = sharedFile('llama2c', 'tok512.bin');
if (!model || !tok)
  console.warn(
    'skipping candidate sampling test: shared data llama2c/stories260K.bin + tok512.bin not found',
  );

describe.skipIf(!model || !tok)('sampleCandidates with a real model', () => {
  it('samples K reproducible candidates per prompt through the chat template', () => {
    const loaded = loadModel(model!, tok!);
    const prompts = [{ id: 'a', text: 'Tell me about a cat.' }, { text: 'Once upon a time' }];
    const opts = { k: 3, maxNew: 12, temperature: 1, topP: 1, seed: 7, promptsPerBatch: 1 };
    const out = sampleCandidates(loaded, prompts, opts, model!);
    expect(out.map((p) => [p.id, p.text, p.candidates.length])).toEqual([
      ['a', 'Tell me about a cat.', 3],
      [undefined, 'Once upon a time', 3],
    ]);
    expect(out[0].candidates.map((c) => c.id)).toEqual(['c0', 'c1', 'c2']);
    expect(out[0].candidates[0].source).toBe('stories260K.bin');
    // Sampling (not greedy): the K answers differ; the same seed gives the same answers.
    expect(new Set(out[0].candidates.map((c) => c.text)).size).toBeGreaterThan(1);
    expect(sampleCandidates(loaded, prompts, opts, model!)).toEqual(out);
    expect(() => sampleCandidates(loaded, prompts, { ...opts, k: 17 })).toThrow(/1–16/);
  });
});
