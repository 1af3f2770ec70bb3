import { describe, expect, it } from 'vitest';
import { BpeTokenizer } from '../tokenizer/bpe.js';
import { Rng } from '../util/rng.js';
import { resolveModelConfig } from './config.js';
import { sampleAnswers } from './sample-chat.js';
import { Transformer } from './transformer.js';

describe('sampleAnswers', () => {
  const tok = BpeTokenizer.train(
    'what is one plus two ? it is three . a longer question here ? no . '.repeat(8),
    280,
  );
  const config = resolveModelConfig({
    arch: 'llama',
    vocabSize: tok.vocabSize,
    contextLength: 64,
    nLayers: 1,
    dim: 16,
    nHeads: 2,
  });
  const model = Transformer.init(config, new Rng(3));
  // prompts of different lengths, so sorting by length reorders them
  const prompts = ['a longer question here ? what is one plus two ?', 'no', 'what is one ?', 'it is'];
  const opts = { n: 3, maxNew: 10, temperature: 1.2, seed: 7 };

  it('gives each prompt n answers that do not depend on the batching', () => {
    const whole = sampleAnswers(model, tok, prompts, opts);
    expect(whole.map((a) => a.length)).toEqual([3, 3, 3, 3]);
    for (const batchSize of [1, 2, 5]) {
      const batched = sampleAnswers(model, tok, prompts, { ...opts, batchSize });
      expect(batched.map((as) => as.map((a) => a.ids))).toEqual(whole.map((as) => as.map((a) => a.ids)));
    }
    // alone, a prompt's answers are not the rows it had in the list (its seeds are its rows')
    const alone = sampleAnswers(model, tok, [prompts[2]], opts);
    expect(alone[0].map((a) => a.ids)).not.toEqual(whole[2].map((a) => a.ids));
    const distinct = new Set(whole.flat().map((a) => a.ids.join(',')));
    expect(distinct.size).toBeGreaterThan(6);
  });
});
