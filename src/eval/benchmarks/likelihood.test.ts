import { describe, expect, it } from 'vitest';
import { resolveModelConfig } from '../../model/config.js';
import { generate } from '../../model/generate.js';
import { Transformer } from '../../model/transformer.js';
import * as T from '../../tensor/index.js';
import { BpeTokenizer } from '../../tokenizer/bpe.js';
import { encodeChat } from '../../tokenizer/chat-template.js';
import { HfTokenizer } from '../../tokenizer/hf.js';
import { chatmlTemplate, gpt2TokenizerJson, withSpecialTokens } from '../../tokenizer/hf-fixture.js';
import { Rng } from '../../util/rng.js';
import { modelBench } from './bench-model.js';
import { generateAnswers } from './generation.js';
import { answerLogLikelihoods } from './likelihood.js';
import { type BenchFormat, benchFormat, encodeBench } from './prompt-format.js';

const text =
  'what happens if you eat seeds ? nothing happens . you grow a tree . the seeds pass through you .';
const tok = BpeTokenizer.train(`${text}\n${text.toUpperCase()}`, 300);
const model = Transformer.init(
  resolveModelConfig({
    arch: 'llama',
    vocabSize: tok.vocabSize,
    contextLength: 64,
    nLayers: 2,
    dim: 32,
    nHeads: 2,
  }),
  new Rng(3),
);

/** Σ log softmax(logits at t − 1)[id t] over the answer, from one unpadded forward pass, in double precision. */
function directLogLik(ids: number[], responseStart: number): number {
  const V = model.config.vocabSize;
  const logits = T.noGrad(() => model.logits({ ids: Int32Array.from(ids), B: 1, T: ids.length })).data;
  let sum = 0;
  for (let t = responseStart; t < ids.length; t++) {
    const row = Array.from(logits.subarray((t - 1) * V, t * V));
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((a, x) => a + Math.exp(x - m), 0));
    sum += row[ids[t]] - lse;
  }
  return sum;
}

const queries = [
  { prompt: 'what happens if you eat seeds ?', answer: 'nothing happens .' },
  { prompt: 'what happens if you eat seeds ?', answer: 'you grow a tree .' },
  { prompt: 'eat seeds ?', answer: 'the seeds pass through you . nothing happens .' },
  { prompt: 'WHAT HAPPENS ?', answer: 'a' },
];

describe.each(['chat', 'qa'] as BenchFormat[])('answer log-likelihoods (%s layout)', (format) => {
  it("equal the sum of the answer tokens' log-probs from a direct forward pass, batched and padded", () => {
    // two rows a batch: rows of different lengths share a right-padded batch
    const r = answerLogLikelihoods(model, tok, queries, { format, maxRows: 2 });
    queries.forEach((q, i) => {
      const e = encodeBench(tok, format, q.prompt, q.answer, 64);
      expect(r.logLiks[i]).toBeLessThan(0);
      expect(r.logLiks[i]).toBeCloseTo(directLogLik(e.ids, e.responseStart), 4);
      expect(r.answerTokens[i]).toBe(e.ids.length - e.responseStart);
    });
    expect(r.truncated).toBe(0);
    // the batch's shape changes nothing
    const one = answerLogLikelihoods(model, tok, queries, { format, maxRows: 1 });
    one.logLiks.forEach((l, i) => {
      expect(l).toBeCloseTo(r.logLiks[i], 4);
    });
  });

  it('cuts the beginning of a question too long for the context, and counts it', () => {
    const long = {
      prompt: Array(40).fill('what happens if you eat seeds ?').join(' '),
      answer: 'nothing happens .',
    };
    const r = answerLogLikelihoods(model, tok, [long, queries[0]], { format });
    expect(r.truncated).toBe(1);
    const e = encodeBench(tok, format, long.prompt, long.answer, 64);
    expect(e.truncated).toBe(true);
    expect(e.ids.length).toBeLessThanOrEqual(64);
    expect(r.logLiks[0]).toBeCloseTo(directLogLik(e.ids, e.responseStart), 4);
  });
});

describe('an answer of no tokens', () => {
  it('is refused: its sum over no tokens, 0, is probability 1 (it would win every MC1)', () => {
    // in the chat layout an empty answer is no tokens at all (the end-of-reply token is not scored)
    const blank = { prompt: 'what happens if you eat seeds ?', answer: '' };
    expect(() => answerLogLikelihoods(model, tok, [queries[0], blank], { format: 'chat' })).toThrow(
      /answer "" to "what happens if you eat seeds \?" has no tokens/,
    );
  });
});

describe('prompt layouts', () => {
  it('chat: the chat template, scored without the end-of-reply token', () => {
    const e = encodeBench(tok, 'chat', 'eat seeds ?', 'nothing happens .', 64);
    expect(e.ids).toEqual(encodeChat(tok, 'eat seeds ?', 'nothing happens .').ids.slice(0, -1));
    expect(e.ids.slice(e.responseStart)).toEqual(tok.encode('nothing happens .'));
  });

  it("chat in a model's own template: its layout, scored without its end-of-turn token", () => {
    const json = withSpecialTokens(gpt2TokenizerJson(), ['<|im_start|>', '<|im_end|>']);
    const chatml = new HfTokenizer(json, { chat_template: chatmlTemplate(), eos_token: '<|im_end|>' });
    expect(benchFormat(chatml)).toBe('chat');
    const e = encodeBench(chatml, 'chat', 'the hello', 'hello the', 64);
    expect(chatml.decode(e.ids, { skipSpecial: false })).toBe(
      '<|im_start|>user\nthe hello<|im_end|>\n<|im_start|>assistant\nhello the',
    );
    expect(e.ids.slice(e.responseStart)).toEqual(chatml.encode('hello the'));
  });

  it('qa: "Question: …\\nAnswer:" then the answer after a space', () => {
    const e = encodeBench(tok, 'qa', 'eat seeds ?', 'nothing happens .', 64);
    expect(tok.decode(e.ids.slice(0, e.responseStart))).toBe('Question: eat seeds ?\nAnswer:');
    expect(e.ids.slice(e.responseStart)).toEqual(tok.encode(' nothing happens .'));
    expect(() => encodeBench(tok, 'qa', 'q', Array(80).fill('seeds').join(' '), 64)).toThrow(
      /does not fit the model's 64-token budget/,
    );
  });
});

describe('modelBench', () => {
  it('scores a repeated query once and returns it in every place', () => {
    const m = modelBench(model, tok);
    expect(m.format).toBe('chat');
    const r = m.logLikelihoods([queries[1], queries[0], queries[1]]);
    expect(r.logLiks[0]).toBe(r.logLiks[2]);
    expect(r.logLiks[1]).toBeCloseTo(answerLogLikelihoods(model, tok, [queries[0]]).logLiks[0], 5);
  });

  it('answers greedily, batched, as generate does for each prompt alone', () => {
    const prompts = ['eat seeds ?', 'what happens if you eat seeds ?', 'WHAT ?'];
    const { texts } = generateAnswers(model, tok, prompts, { maxNew: 6, batchSize: 2 });
    prompts.forEach((p, i) => {
      const ids = encodeChat(tok, p).ids;
      const [g] = generate(model, [ids], {
        maxNew: 6,
        greedy: true,
        stopIds: [tok.specialTokenId('<|end|>')!],
      });
      const body = g.finishReason === 'stop' ? g.ids.slice(0, -1) : g.ids;
      expect(texts[i]).toBe(tok.decode(body));
    });
    // a prompt longer than the context keeps room for the answer
    const long = generateAnswers(model, tok, [Array(60).fill('eat seeds ?').join(' ')], { maxNew: 6 });
    expect(long.truncated).toBe(1);
    expect(typeof long.texts[0]).toBe('string');
  });
});
