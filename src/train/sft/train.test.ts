import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveModelConfig } from '../../model/config.js';
import { generate } from '../../model/generate.js';
import { Transformer } from '../../model/transformer.js';
import { chatResponseText, chatStopIds, encodeChat } from '../../tokenizer/chat-template.js';
import { HfTokenizer } from '../../tokenizer/hf.js';
import { chatmlTemplate, gpt2TokenizerJson, withSpecialTokens } from '../../tokenizer/hf-fixture.js';
import { Rng } from '../../util/rng.js';
import { textSequence } from '../common/prompt-data.js';
import { splitIndices } from '../common/shuffle-batches.js';
import { tinyModel, toyDemos, toyTokenizer } from '../test-helpers/fixtures.js';
import { recordingLog } from '../test-helpers/run-logs.js';
import { expectSameSteps } from '../test-helpers/same-steps.js';
import { SftConfig } from './config.js';
import { responseLoss, trainSft } from './train.js';

describe('trainSft', () => {
  /** 40 steps of 16 at a high rate, nothing held out or saved: enough to overfit the toy data. */
  const shortRun = () => ({
    out: mkdtempSync(join(tmpdir(), 'rein-sft-')),
    steps: 40,
    batchSize: 16,
    lr: 1e-2,
    heldoutFraction: 0,
    saveEvery: 0,
    evalEvery: 1000,
  });

  it('overfits a handful of demonstrations (loss on their responses falls below 0.15)', () => {
    const tok = toyTokenizer();
    const model = tinyModel(tok.vocabSize);
    const demos = toyDemos(16);
    const out = mkdtempSync(join(tmpdir(), 'rein-sft-'));
    const cfg = SftConfig.parse({
      out,
      steps: 60,
      batchSize: 16,
      lr: 1e-2,
      warmupSteps: 5,
      heldoutFraction: 0,
      saveEvery: 0,
      evalEvery: 1000,
    });
    const seqs = demos.map((d) => encodeChat(tok, d.prompt, d.response));
    const before = responseLoss(model, seqs, tok.padId ?? 0, 16);
    const result = trainSft(model, tok, demos, cfg, { quiet: true });
    expect(before).toBeGreaterThan(3);
    expect(result.finalTrainLoss).toBeLessThan(0.15);
    expect(responseLoss(model, seqs, tok.padId ?? 0, 16)).toBeLessThan(0.15);
  });

  it("trains in a Hugging Face model's own chat template: greedy answers in it, ending at its <|im_end|>", () => {
    const json = withSpecialTokens(gpt2TokenizerJson(), ['<|im_start|>', '<|im_end|>']);
    const tok = new HfTokenizer(json, { chat_template: chatmlTemplate(), eos_token: '<|im_end|>' });
    const config = resolveModelConfig({
      arch: 'llama',
      qkvBias: true,
      vocabSize: tok.vocabSize,
      contextLength: 96,
      nLayers: 2,
      dim: 32,
      nHeads: 2,
    });
    const model = Transformer.init(config, new Rng(0));
    const demos = toyDemos(8);
    const cfg = SftConfig.parse({ ...shortRun(), steps: 80, batchSize: 8 });
    trainSft(model, tok, demos, cfg, { quiet: true });
    const endOfTurn = tok.specialTokenId('<|im_end|>')!;
    for (const d of demos.slice(0, 4)) {
      const prompt = encodeChat(tok, d.prompt);
      // the template's generation prompt: ChatML's user turn, then the assistant's header
      expect(tok.decode(prompt.ids, { skipSpecial: false })).toBe(
        `<|im_start|>user\n${d.prompt}<|im_end|>\n<|im_start|>assistant\n`,
      );
      const [g] = generate(model, [prompt.ids], { maxNew: 30, greedy: true, stopIds: chatStopIds(tok) });
      expect(g.ids.at(-1)).toBe(endOfTurn);
      expect(chatResponseText(tok, g.ids)).toBe(d.response);
    }
  });

  it('a resumed run ends exactly where an uninterrupted one does', () => {
    const tok = toyTokenizer();
    const demos = toyDemos(40);
    const base = { batchSize: 8, lr: 3e-3, warmupSteps: 2, evalEvery: 1000 };
    const full = tinyModel(tok.vocabSize, 3);
    const fullResult = trainSft(
      full,
      tok,
      demos,
      SftConfig.parse({ ...base, out: mkdtempSync(join(tmpdir(), 'rein-sft-')), steps: 10, saveEvery: 0 }),
      { quiet: true },
    );

    const out = mkdtempSync(join(tmpdir(), 'rein-sft-'));
    // the first run is "killed" after step 6 (its state was saved at step 6)
    trainSft(
      tinyModel(tok.vocabSize, 3),
      tok,
      demos,
      SftConfig.parse({ ...base, out, steps: 6, saveEvery: 3 }),
      { quiet: true },
    );
    const resumed = tinyModel(tok.vocabSize, 99); // different init: every weight must come from the state
    const resumedResult = trainSft(
      resumed,
      tok,
      demos,
      SftConfig.parse({ ...base, out, steps: 10, saveEvery: 3, resume: true }),
      { quiet: true },
    );
    for (const [name, p] of full.params)
      expect(Array.from(resumed.params.get(name)!.data)).toEqual(Array.from(p.data));
    // the final train loss averages steps from before the kill too
    expect(resumedResult.finalTrainLoss).toBe(fullResult.finalTrainLoss);
  });

  it('NEFTune: noisy steps, the same in a repeat and in a resumed run, and a clean held-out loss', () => {
    const tok = toyTokenizer();
    const demos = toyDemos(40);
    const base = { batchSize: 8, lr: 3e-3, warmupSteps: 2, evalEvery: 5, heldoutFraction: 0.2 };
    const run = (cfg: Record<string, unknown>, seed = 3) => {
      const model = tinyModel(tok.vocabSize, seed);
      const { log, records } = recordingLog();
      const out = (cfg.out as string | undefined) ?? mkdtempSync(join(tmpdir(), 'rein-sft-'));
      trainSft(model, tok, demos, SftConfig.parse({ ...base, steps: 10, saveEvery: 0, ...cfg, out }), {
        log,
        quiet: true,
      });
      return { model, records };
    };
    const clean = run({});
    const noisy = run({ neftuneAlpha: 5 });
    const lossesOf = (r: { records: Record<string, unknown>[] }) => r.records.map((x) => x.loss);
    expect(lossesOf(noisy)[0]).not.toBe(lossesOf(clean)[0]);
    expect(lossesOf(run({ neftuneAlpha: 5 }))).toEqual(lossesOf(noisy));
    // the held-out loss is measured without noise: the logged value is the final model's clean loss
    const split = splitIndices(demos.length, base.heldoutFraction, 0);
    const heldout = split.heldout.map((i) => encodeChat(tok, demos[i].prompt, demos[i].response));
    const lastHeldout = noisy.records.filter((x) => x.heldout_loss !== undefined).at(-1)!.heldout_loss;
    expect(lastHeldout).toBe(responseLoss(noisy.model, heldout, tok.padId ?? 0, 8));
    // killed after step 6, resumed: each step's noise depends on (seed, step) alone
    const out = mkdtempSync(join(tmpdir(), 'rein-sft-'));
    run({ neftuneAlpha: 5, out, steps: 6, saveEvery: 3 });
    const resumed = run({ neftuneAlpha: 5, out, saveEvery: 3, resume: true }, 99);
    for (const [name, p] of noisy.model.params)
      expect(Array.from(resumed.model.params.get(name)!.data)).toEqual(Array.from(p.data));
  });

  it('learns {text} examples whole, without the chat template', () => {
    const tok = toyTokenizer();
    const texts = toyDemos(16).map((d) => ({ text: `${d.prompt} ${d.response}` }));
    const seqs = texts.map((t) => textSequence(tok, t.text, 128)); // every token from the first on
    const model = tinyModel(tok.vocabSize, 3);
    const before = responseLoss(model, seqs, tok.padId ?? 0, 16);
    trainSft(model, tok, texts, SftConfig.parse(shortRun()), { quiet: true });
    expect(before).toBeGreaterThan(3);
    expect(responseLoss(model, seqs, tok.padId ?? 0, 16)).toBeLessThan(before / 5);
  });

  it('with completionOnlyLoss off learns the prompts too', () => {
    const tok = toyTokenizer();
    const demos = toyDemos(16);
    // the prompts' own tokens as the trained part: BOS and the template's opening given
    const prompts = demos.map((d) => ({ ...encodeChat(tok, d.prompt), responseStart: 2 }));
    const promptLoss = (completionOnlyLoss: boolean) => {
      const model = tinyModel(tok.vocabSize, 3);
      trainSft(model, tok, demos, SftConfig.parse({ ...shortRun(), completionOnlyLoss }), { quiet: true });
      return responseLoss(model, prompts, tok.padId ?? 0, 16);
    };
    const responsesOnly = promptLoss(true);
    const everything = promptLoss(false);
    expect(everything).toBeLessThan(responsesOnly / 2);
  });

  it('in micro-batches takes the steps of whole batches: the same loss and gradient norm, token-weighted', () => {
    const tok = toyTokenizer();
    const demos = toyDemos(24).map((d, i) => (i % 3 ? d : { ...d, response: `${d.response} ${d.response}` }));
    const run = (microBatch: number) => {
      const model = tinyModel(tok.vocabSize, 3);
      const { log, records } = recordingLog();
      const out = mkdtempSync(join(tmpdir(), 'rein-sft-'));
      const cfg = { out, steps: 4, batchSize: 8, microBatch, lr: 3e-3, saveEvery: 0, evalEvery: 1000 };
      trainSft(model, tok, demos, SftConfig.parse(cfg), { log, quiet: true });
      return { model, records };
    };
    const whole = run(0);
    const split = run(3); // passes of 3, 3 and 2 demonstrations, of unequal token counts
    expectSameSteps(whole.records, split.records, ['loss', 'grad_norm']);
  });
});
