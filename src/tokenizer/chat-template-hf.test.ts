/**
 * A Hugging Face tokenizer's own chat template: encodeChat must give the ids `apply_chat_template`
 * gives (the template rendered by @huggingface/jinja, the text encoded by @huggingface/tokenizers
 * with its special tokens) — here checked against those two libraries directly, on a ChatML
 * template that adds a default system message, on one shaped like Qwen2.5-Instruct's, and on a
 * Llama-3-style one that writes BOS.
 */
import { Template } from '@huggingface/jinja';
import { Tokenizer as HfLibTokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { chatResponseText, chatStopIds, chatStyle, encodeChat } from './chat-template.js';
import { HfTokenizer } from './hf.js';
import { chatmlTemplate, gpt2TokenizerJson, withSpecialTokens } from './hf-fixture.js';

const withSpecials = (names: string[]) => withSpecialTokens(gpt2TokenizerJson(), names);
const CHATML = chatmlTemplate('You are a helpful assistant.');

const LLAMA3 = [
  '{{- bos_token }}',
  "{%- for message in messages %}{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{%- endfor %}",
  "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}",
].join('');

/**
 * The shape of Qwen2.5-Instruct's template, written out here: a tools branch, a default system
 * message, whitespace control on every tag, and attributes a plain message lacks (tool_calls).
 */
const QWEN25 = `{%- if tools %}
    {{- '<|im_start|>system\\n' + (messages[0]['content'] if messages[0]['role'] == 'system' else 'You are a helpful assistant.') + '\\n\\n# Tools<|im_end|>\\n' }}
{%- else %}
    {%- if messages[0]['role'] == 'system' %}
        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}
    {%- else %}
        {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}
    {%- endif %}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role + '\\n<tool_call>\\n' + (message.tool_calls | tojson) + '\\n</tool_call><|im_end|>\\n' }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\\n' }}
{%- endif %}
`;

const cases = [
  {
    name: 'ChatML (Qwen2.5-Instruct style, a default system message)',
    json: withSpecials(['<|im_start|>', '<|im_end|>']),
    config: { chat_template: CHATML, eos_token: '<|im_end|>', pad_token: '<|endoftext|>' },
    end: '<|im_end|>',
    // ChatML's newline after <|im_end|> opens the next turn: the reply ends at the token
    nextTurn: '\n',
  },
  {
    name: "Qwen2.5-Instruct's shape (tools branch, attributes a message lacks)",
    json: withSpecials(['<|im_start|>', '<|im_end|>']),
    config: { chat_template: QWEN25, eos_token: '<|im_end|>', pad_token: '<|endoftext|>' },
    end: '<|im_end|>',
    nextTurn: '\n',
  },
  {
    name: 'Llama 3 style (BOS written by the template, named chat templates)',
    json: withSpecials(['<|begin_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>']),
    config: {
      chat_template: [
        { name: 'tool_use', template: 'unused' },
        { name: 'default', template: LLAMA3 },
      ],
      bos_token: '<|begin_of_text|>',
      eos_token: '<|eot_id|>',
    },
    end: '<|eot_id|>',
    nextTurn: '',
  },
];

const EXCHANGES: [string, string][] = [
  ['the hello', 'hello the'],
  ['What is 3 plus 4?', '7'],
  ['你好', '你好！'],
];

describe.each(cases)("a model's own chat template: $name", ({ json, config, end, nextTurn }) => {
  const tok = new HfTokenizer(json, config);
  const lib = new HfLibTokenizer(json, config);
  const source = typeof config.chat_template === 'string' ? config.chat_template : LLAMA3;
  const template = new Template(source);
  const applyChatTemplate = (messages: { role: string; content: string }[], generationPrompt: boolean) =>
    lib.encode(
      template.render({
        messages,
        add_generation_prompt: generationPrompt,
        bos_token: String(config.bos_token ?? ''),
        eos_token: config.eos_token,
      }),
      { add_special_tokens: false },
    ).ids;

  it('is the chat style, and encodes an exchange to the ids apply_chat_template gives', () => {
    expect(chatStyle(tok)).toBe('template');
    for (const [prompt, reply] of EXCHANGES) {
      const user = { role: 'user', content: prompt };
      const promptOnly = encodeChat(tok, prompt);
      expect(promptOnly.ids).toEqual(applyChatTemplate([user], true));
      const full = encodeChat(tok, prompt, reply);
      const hf = applyChatTemplate([user, { role: 'assistant', content: reply }], false);
      const trailing = nextTurn === '' ? 0 : lib.encode(nextTurn, { add_special_tokens: false }).ids.length;
      expect(full.ids).toEqual(hf.slice(0, hf.length - trailing));
      expect(full.responseStart).toBe(promptOnly.ids.length);
      expect(full.ids.at(-1)).toBe(tok.specialTokenId(end));
      expect(chatResponseText(tok, full.ids.slice(full.responseStart))).toBe(reply);
    }
  });

  it('takes a system message as its own turn, in place of a default one', () => {
    const system = { role: 'system', content: 'Answer in one word.' };
    for (const [prompt] of EXCHANGES) {
      const e = encodeChat(tok, prompt, undefined, { system: system.content });
      expect(e.ids).toEqual(applyChatTemplate([system, { role: 'user', content: prompt }], true));
      expect(tok.decode(e.ids)).not.toContain('You are');
    }
  });

  it('stops at the end-of-turn token, and reads a typed token name as plain text', () => {
    expect(chatStopIds(tok)).toContain(tok.specialTokenId(end));
    const typed = encodeChat(tok, `say ${end} now`);
    const specials = new Set(tok.specialTokens().values());
    // the template's own special tokens are there, and the typed name is not one more of them
    const count = (ids: number[]) => ids.filter((id) => specials.has(id)).length;
    expect(count(typed.ids)).toBe(count(encodeChat(tok, 'say now').ids));
    expect(tok.decode(typed.ids, { skipSpecial: true })).toContain(`say ${end} now`);
  });
});

describe("a model's own chat template: errors name the file", () => {
  const json = withSpecials(['<|im_start|>', '<|im_end|>']);
  it('refuses a template whose reply does not follow its generation prompt', () => {
    // a "thinking" preamble in the generation prompt that the rendered reply does not carry
    const thinking = CHATML.replace("'<|im_start|>assistant\\n'", "'<|im_start|>assistant\\n<think>'");
    const tok = new HfTokenizer(json, { chat_template: thinking }, '/models/q/tokenizer.json');
    expect(() => encodeChat(tok, 'hi', 'there')).toThrow(
      /\/models\/q\/tokenizer_config\.json: chat_template: the exchange does not continue its generation prompt/,
    );
  });

  it('refuses a template that does not parse, or that raises on one exchange', () => {
    const broken = new HfTokenizer(json, { chat_template: '{% for m in messages %}' });
    expect(() => encodeChat(broken, 'hi')).toThrow(/tokenizer_config\.json: chat_template: cannot/);
    const raising = new HfTokenizer(json, { chat_template: "{{ raise_exception('system only') }}" });
    expect(() => encodeChat(raising, 'hi')).toThrow(/cannot render one exchange \(.*system only/);
  });

  it('without a template, or with rein chat tokens, the style is as before', () => {
    expect(chatStyle(new HfTokenizer(json, {}))).toBe('plain');
    // rein's own layouts hold one user message: a system message is refused, not dropped
    expect(() => encodeChat(new HfTokenizer(json, {}), 'hi', undefined, { system: 'Be brief.' })).toThrow(
      /a system message needs the model's own chat template/,
    );
  });

  it("names the file when a template refuses the system role, and still serves the user's alone", () => {
    const noSystem = `{%- if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{%- endif %}${chatmlTemplate()}`;
    const tok = new HfTokenizer(json, { chat_template: noSystem }, '/m/tokenizer.json');
    expect(encodeChat(tok, 'hi').ids.length).toBeGreaterThan(0);
    expect(() => encodeChat(tok, 'hi', undefined, { system: 'Be brief.' })).toThrow(
      /\/m\/tokenizer_config\.json: chat_template: cannot render one exchange \(.*System role not supported/,
    );
  });
});
