/**
 * An instruction-tuned Hugging Face model end to end, in-process at toy sizes: a Qwen2 folder
 * (q, k and v biases) whose tokenizer brings a ChatML chat template is fine-tuned with `rein sft`,
 * answers in that template with `rein generate --chat`, and leaves `rein export` a Qwen2 folder
 * with the template it was trained in.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadModel } from '../model/checkpoint.js';
import { resolveModelConfig } from '../model/config.js';
import { exportHfFolder } from '../model/hf-export.js';
import { Transformer } from '../model/transformer.js';
import { chatStyle } from '../tokenizer/chat-template.js';
import { HfTokenizer } from '../tokenizer/hf.js';
import { chatmlTemplate, gpt2TokenizerJson, withSpecialTokens } from '../tokenizer/hf-fixture.js';
import { toyDemos } from '../train/test-helpers/fixtures.js';
import { Rng } from '../util/rng.js';
import { run as exportCmd } from './export.js';
import { run as generate } from './generate.js';
import { run as sft } from './sft.js';
import { capture } from './test-helpers/capture.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a Hugging Face instruct model (Qwen2, ChatML template) through the CLI', () => {
  const root = mkdtempSync(join(tmpdir(), 'rein-cli-instruct-'));
  const f = (name: string) => join(root, name);
  const json = withSpecialTokens(gpt2TokenizerJson(), ['<|im_start|>', '<|im_end|>']);
  const tokenizerConfig = { chat_template: chatmlTemplate(), eos_token: '<|im_end|>' };
  const vocabSize = new HfTokenizer(json, tokenizerConfig).vocabSize;
  const demos = toyDemos(8);

  it('fine-tunes in its template, answers in it, and exports with it', async () => {
    // the folder a user downloads: config.json, model.safetensors, tokenizer.json, tokenizer_config.json
    const config = resolveModelConfig({
      arch: 'llama',
      qkvBias: true,
      vocabSize,
      contextLength: 96,
      nLayers: 2,
      dim: 32,
      nHeads: 2,
    });
    exportHfFolder(f('qwen'), Transformer.init(config, new Rng(0)), null);
    writeFileSync(f('qwen/tokenizer.json'), JSON.stringify(json));
    writeFileSync(f('qwen/tokenizer_config.json'), JSON.stringify(tokenizerConfig));
    expect(JSON.parse(readFileSync(f('qwen/config.json'), 'utf8')).model_type).toBe('qwen2');
    writeFileSync(f('demos.jsonl'), demos.map((d) => JSON.stringify(d)).join('\n'));

    await capture(sft, [
      ...['--data', f('demos.jsonl'), '--model', f('qwen'), '--out', f('sft')],
      ...[
        '--steps',
        '80',
        '--batchSize',
        '8',
        '--lr',
        '1e-2',
        '--heldoutFraction',
        '0',
        '--evalEvery',
        '1000',
      ],
    ]);
    const tuned = loadModel(f('sft'));
    expect(tuned.model.config.qkvBias).toBe(true);
    expect(chatStyle(tuned.tokenizer!)).toBe('template');

    for (const d of demos.slice(0, 3)) {
      const notes: string[] = [];
      const lines = await capture(
        generate,
        ['--model', f('sft'), '--prompt', d.prompt, '--chat', '--greedy', '--max-new', '30', '--json'],
        notes,
      );
      expect(JSON.parse(lines[lines.length - 1]).text).toBe(d.response);
      expect(notes[0]).toBe("chat layout: the model's own chat template (its tokenizer_config.json)");
    }

    await capture(exportCmd, ['--model', f('sft'), '--format', 'hf', '--out', f('export')]);
    expect(JSON.parse(readFileSync(f('export/config.json'), 'utf8')).architectures).toEqual([
      'Qwen2ForCausalLM',
    ]);
    const exported = JSON.parse(readFileSync(f('export/tokenizer_config.json'), 'utf8'));
    expect(exported.chat_template).toBe(chatmlTemplate());
  });
});
