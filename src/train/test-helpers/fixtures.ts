/** Small, fast fixtures for the trainers' tests: a toy Q&A language, its tokenizer and a tiny model. */
import { resolveModelConfig } from '../../model/config.js';
import { Transformer } from '../../model/transformer.js';
import { BpeTokenizer } from '../../tokenizer/bpe.js';
import { Rng } from '../../util/rng.js';

export const NUMBER_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/** "what is a plus b ?" → "it is c ." for a + b < 10: a toy task a tiny model learns in seconds. */
export function toyDemos(n: number, seed = 1): { prompt: string; response: string }[] {
  const rng = new Rng(seed);
  const out: { prompt: string; response: string }[] = [];
  for (let i = 0; i < n; i++) {
    const a = rng.int(5);
    const b = rng.int(5);
    out.push({
      prompt: `what is ${NUMBER_WORDS[a]} plus ${NUMBER_WORDS[b]} ?`,
      response: `it is ${NUMBER_WORDS[a + b]} .`,
    });
  }
  return out;
}

export function toyTokenizer(): BpeTokenizer {
  const text = toyDemos(200)
    .map((d) => `${d.prompt} ${d.response} good bad nice rude`)
    .join('\n');
  return BpeTokenizer.train(text, 300);
}

export function tinyModel(vocabSize: number, seed = 0, arch: 'gpt' | 'llama' = 'gpt'): Transformer {
  const config = resolveModelConfig({ arch, vocabSize, contextLength: 64, nLayers: 2, dim: 32, nHeads: 2 });
  return Transformer.init(config, new Rng(seed));
}
