/** Small, fast fixtures for the trainers' tests: a toy Q&A language, its tokenizer and a tiny model. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveModelConfig } from '../../model/config.js';
import { Transformer } from '../../model/transformer.js';
import { BpeTokenizer } from '../../tokenizer/bpe.js';
import { Rng } from '../../util/rng.js';
import { RewardConfig } from '../reward/config.js';
import type { RankedPrompt } from '../reward/data.js';
import { trainRewardModel } from '../reward/train.js';
import { SftConfig } from '../sft/config.js';
import { trainSft } from '../sft/train.js';

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

/**
 * The toy RL task of the on-policy trainers' tests: "what is X ?" answered "nice , it is X ." or
 * "rude , it is X ." — an SFT model that learned both, and a reward model trained to prefer nice.
 */
export function toyRlTask(): { tok: BpeTokenizer; sft: Transformer; rm: Transformer; prompts: string[] } {
  const tok = toyTokenizer();
  const rng = new Rng(11);
  const demos = Array.from({ length: 64 }, (_, i) => {
    const x = NUMBER_WORDS[rng.int(10)];
    return { prompt: `what is ${x} ?`, response: `${i % 2 ? 'nice' : 'rude'} , it is ${x} .` };
  });
  const sft = tinyModel(tok.vocabSize, 2);
  const out = () => mkdtempSync(join(tmpdir(), 'rein-rl-task-'));
  trainSft(
    sft,
    tok,
    demos,
    SftConfig.parse({ out: out(), steps: 150, lr: 1e-2, heldoutFraction: 0, saveEvery: 0, evalEvery: 1000 }),
    { quiet: true },
  );
  const rankings: RankedPrompt[] = demos.map((d) => {
    const x = d.prompt.split(' ')[2];
    return {
      prompt: d.prompt,
      candidates: [`nice , it is ${x} .`, `rude , it is ${x} .`],
      pairs: [{ winner: 0, loser: 1 }],
    };
  });
  const rm = sft.clone({ scalarHead: 'fresh', rng: new Rng(3) });
  trainRewardModel(
    rm,
    tok,
    rankings,
    RewardConfig.parse({ out: out(), epochs: 3, lr: 3e-3, heldoutFraction: 0 }),
    { quiet: true },
  );
  return { tok, sft, rm, prompts: demos.map((d) => d.prompt) };
}
