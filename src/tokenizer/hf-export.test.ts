/**
 * The exported tokenizer files checked against Hugging Face's own implementations, not against
 * rein: `@huggingface/tokenizers` (tokenizers.js) loads the exported tokenizer.json and must encode
 * and decode to rein's ids and text, and `@huggingface/jinja` renders the exported chat_template to
 * the text whose tokens are exactly what rein's chat template encodes.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Template } from '@huggingface/jinja';
import { Tokenizer as HfLibTokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { BpeTokenizer } from './bpe.js';
import { encodeChat } from './chat-template.js';
import { chatTemplateJinja, jinjaString } from './chat-template-jinja.js';
import { HfTokenizer } from './hf.js';
import {
  gpt2ByteAlphabet,
  JS_WHITESPACE_CLASS,
  portableWhitespacePattern,
  reinBpeToHfTokenizerJson,
} from './hf-bpe-export.js';
import { hfTokenizerFiles, TokenizerExportError } from './hf-export.js';
import { byteToUnicode, gpt2TokenizerJson, llamaTokenizerJson } from './hf-fixture.js';
import { Llama2cTokenizer } from './llama2c.js';
import type { Tokenizer } from './tokenizer.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** Varied text: scripts, digits, emoji, whitespace runs, contractions, long runs, odd spaces. */
const CORPUS = [
  'Hello, world! How are you today?',
  "I'm sure they'll say we've done it; DON'T you THINK so? It's John's.",
  '中文分词测试：北京是中国的首都，长城很长。',
  '日本語のテキストと한국어 텍스트, and Русский текст, and العربية.',
  'Numbers: 1234567890, 3.14159, -42, 1,000,000 and ２０２４年.',
  'Emoji: 😀🎉👍🏽 family 👨‍👩‍👧‍👦 flags 🇫🇷🇯🇵 and ❤️.',
  '   leading spaces, trailing spaces   ',
  'tabs\tand\t\tnewlines\n\n\nand\r\nwindows line ends',
  'many       spaces          between    words',
  'combining: e\u0301 n\u0303 a\u0308 — and precomposed é ñ ä',
  'unusual spaces:\u00a0nbsp\u2003em\u3000ideographic\u2028line\u2029para\u202fnarrow',
  'U+0085 and U+FEFF, where regex dialects disagree on \\s: a\u0085b c\ufeffd \ufeff\ufeff x\u0085\u0085',
  'zero\ufeff\ufeff\ufeffwidth !\u0085\u0085! x \ufeff\ufeff y\u0085z',
  `a run longer than 32 letters: ${'abcdefghij'.repeat(5)} and ${'-'.repeat(70)} and ${'汉'.repeat(40)}`,
  `digits: ${'9'.repeat(20)} and spaces then end${' '.repeat(40)}`,
  'symbols: <html><body class="x">&amp; #include <stdio.h> $x = @y % 2; ~!^*()[]{}|\\/',
  'text that spells chat tokens: <|user|> hi <|assistant|> there <|end|> <|pad|>',
  'café résumé naïve coöperate Zürich Ærøskøbing',
  '',
  ' ',
  '\n',
  'x',
];

const PAIRS: [string, string][] = [
  ['What is the capital of France?', 'Paris is the capital of France.'],
  ['北京在哪里？', '北京在中国北方。'],
  ['  spaced prompt  ', '  spaced reply\n\nwith lines  '],
  ['emoji 🎉?', '👍🏽 yes'],
  ['', ''],
  ['Say <|end|> please', 'Fine: <|end|>'],
];

function shippedTokenizer(): BpeTokenizer {
  const file = join(repoRoot, 'models/assistant-base/tokenizer.json');
  return BpeTokenizer.fromJson(JSON.parse(readFileSync(file, 'utf8')), file);
}

function freshTokenizer(): BpeTokenizer {
  const text = [
    ...CORPUS,
    'the cat sat on the mat and the dog sat on the log; they were happy. ',
    '我们今天去公园散步，天气很好，我们很开心。',
    '123 456 789 2024 1999 😀😀 🎉🎉 ',
  ]
    .join('\n')
    .repeat(30);
  // frequent merges over U+FEFF and U+0085, so that a dialect chunking them differently (as
  // whitespace or not) would change the ids
  const odd = 'zero\ufeff\ufeff\ufeffwidth !\u0085\u0085! x \ufeff\ufeff y\u0085z '.repeat(300);
  return BpeTokenizer.train(text + odd, 900);
}

interface Exported {
  lib: HfLibTokenizer;
  tokenizerJson: Record<string, unknown>;
  config: Record<string, unknown>;
  template: Template;
}

function exportFor(tok: Tokenizer): Exported {
  const files = hfTokenizerFiles(tok, { modelMaxLength: 128 });
  const read = (name: string) => JSON.parse(String(files.find((f) => f.name === name)!.data));
  const tokenizerJson = read('tokenizer.json');
  const config = read('tokenizer_config.json');
  return {
    lib: new HfLibTokenizer(tokenizerJson, config),
    tokenizerJson,
    config,
    template: new Template(config.chat_template as string),
  };
}

type Message = { role: string; content: string };
const render = (e: Exported, messages: Message[], addGenerationPrompt: boolean) =>
  e.template.render({
    messages,
    add_generation_prompt: addGenerationPrompt,
    bos_token: e.config.bos_token,
    eos_token: e.config.eos_token,
  });

/** What apply_chat_template(tokenize=True) does: render, then encode without adding specials. */
const chatIds = (e: Exported, messages: Message[], addGenerationPrompt: boolean) =>
  e.lib.encode(render(e, messages, addGenerationPrompt), { add_special_tokens: false }).ids;

for (const [label, make] of [
  ['the shipped base (models/assistant-base)', shippedTokenizer],
  ['a freshly trained one', freshTokenizer],
] as const) {
  describe(`rein-bpe → tokenizer.json, ${label}, read by @huggingface/tokenizers`, () => {
    const tok = make();
    const e = exportFor(tok);

    it('keeps every id: vocabulary and special tokens', () => {
      expect(e.lib.get_vocab(true).size).toBe(tok.vocabSize);
      for (const [name, id] of tok.specialTokens()) expect(e.lib.token_to_id(name)).toBe(id);
      for (let id = 0; id < tok.vocabSize; id++) {
        const piece = e.lib.id_to_token(id);
        expect(piece).toBeDefined();
      }
    });

    it('encodes every text of the corpus to rein ids, and decodes them back to the text', () => {
      for (const text of CORPUS) {
        const mine = tok.encode(text);
        // add_special_tokens: the export has no post-processor, so nothing is added either way
        const theirs = e.lib.encode(text, { add_special_tokens: true }).ids;
        if (text.includes('<|')) {
          // HF recognises special tokens spelled in text (how chat templates work); rein's encode
          // never makes them. Outside those spans, the ids agree:
          const parts = text.split(/(<\|(?:user|assistant|end|pad)\|>)/);
          const expected = parts.flatMap((p) =>
            tok.specialTokenId(p) !== null ? [tok.specialTokenId(p)!] : tok.encode(p),
          );
          expect(theirs).toEqual(expected);
          continue;
        }
        expect(theirs, JSON.stringify(text)).toEqual(mine);
        // (tokenizers.js refuses to decode an empty list)
        if (mine.length > 0) expect(e.lib.decode(mine, { skip_special_tokens: false })).toBe(text);
        expect(tok.decode(theirs)).toBe(text);
      }
    });

    it('decodes special tokens as rein does, kept or skipped', () => {
      const { ids } = encodeChat(tok, 'Hi there', 'Hello!');
      expect(e.lib.decode(ids, { skip_special_tokens: false })).toBe(tok.decode(ids, { skipSpecial: false }));
      expect(e.lib.decode(ids, { skip_special_tokens: true })).toBe(tok.decode(ids, { skipSpecial: true }));
    });

    it('chat_template rendered by @huggingface/jinja tokenizes to exactly encodeChat', () => {
      for (const [prompt, response] of PAIRS) {
        const full = encodeChat(tok, prompt, response);
        const user = { role: 'user', content: prompt };
        const conversation = [user, { role: 'assistant', content: response }];
        expect(render(e, conversation, false)).toBe(tok.decode(full.ids, { skipSpecial: false }));
        // a prompt or reply spelling "<|end|>" is plain text to rein; HF would read it as the token,
        // as every chat template does — compare only where the texts are free of token names
        if (`${prompt}${response}`.includes('<|')) continue;
        expect(chatIds(e, conversation, false)).toEqual(full.ids);
        expect(chatIds(e, [user], true)).toEqual(encodeChat(tok, prompt).ids);
      }
      // two exchanges: the one-exchange layout, repeated
      const [a, b] = PAIRS;
      const two = [
        { role: 'user', content: a[0] },
        { role: 'assistant', content: a[1] },
        { role: 'user', content: b[0] },
      ];
      expect(chatIds(e, two, true)).toEqual([
        ...encodeChat(tok, a[0], a[1]).ids,
        ...encodeChat(tok, b[0]).ids,
      ]);
    });

    it('chat_template refuses roles rein never trained on', () => {
      expect(() => render(e, [{ role: 'system', content: 'Be brief.' }], true)).toThrow(/no system role/);
      expect(() =>
        render(
          e,
          [
            { role: 'user', content: 'a' },
            { role: 'user', content: 'b' },
          ],
          true,
        ),
      ).toThrow(/message 1 must be the assistant's/);
    });

    it('writes the config transformers needs to pick the plain fast tokenizer', () => {
      expect(e.config).toMatchObject({
        tokenizer_class: 'PreTrainedTokenizerFast',
        eos_token: '<|end|>',
        pad_token: '<|pad|>',
        bos_token: null,
        clean_up_tokenization_spaces: false,
        model_max_length: 128,
        additional_special_tokens: ['<|user|>', '<|assistant|>'],
      });
      expect(Object.keys(e.config.added_tokens_decoder as object)).toEqual(['256', '257', '258', '259']);
    });
  });
}

describe('the pre-tokenizer pattern, made portable', () => {
  it('spells out exactly the characters JavaScript calls \\s', () => {
    const js = /^\s$/u;
    const explicit = new RegExp(`^[${JS_WHITESPACE_CLASS}]$`, 'u');
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCodePoint(cp);
      if (js.test(ch) !== explicit.test(ch)) throw new Error(`U+${cp.toString(16)} differs`);
    }
  });

  it('rewrites \\s and \\S inside and outside classes, and refuses \\S inside one', () => {
    const p = portableWhitespacePattern('\\s+(?!\\S)|[^\\s\\p{L}]|\\\\s');
    expect(p).toBe(
      `[${JS_WHITESPACE_CLASS}]+(?![^${JS_WHITESPACE_CLASS}])|[^${JS_WHITESPACE_CLASS}\\p{L}]|\\\\s`,
    );
    expect(() => portableWhitespacePattern('[\\S]')).toThrow(/\\S inside a character class/);
  });

  it('uses the byte alphabet of GPT-2', () => {
    expect(gpt2ByteAlphabet()).toEqual(byteToUnicode());
    expect(gpt2ByteAlphabet()[0x20]).toBe('Ġ');
  });
});

describe('tokenizers that cannot be exported faithfully are refused', () => {
  it('two merges spelling the same bytes', () => {
    const [a, b, c] = ['a', 'b', 'c'].map((ch) => ch.charCodeAt(0));
    const tok = BpeTokenizer.fromJson({
      type: 'rein-bpe',
      version: 1,
      pattern: '\\S+|\\s+',
      specialTokens: ['<|pad|>', '<|user|>', '<|assistant|>', '<|end|>'],
      merges: [
        [a, b], // 260 "ab"
        [b, c], // 261 "bc"
        [260, c], // 262 "abc"
        [a, 261], // 263 "abc" again
      ],
    });
    expect(() => reinBpeToHfTokenizerJson(tok)).toThrow(/ids 262 and 263 both spell "abc"/);
  });

  it('a llama2.c tokenizer', () => {
    const entries: [string, number][] = [
      ['<unk>', 0],
      ['<s>', 0],
      ['</s>', 0],
    ];
    for (let byte = 0; byte < 256; byte++)
      entries.push([`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`, 0]);
    entries.push([' ', -1], ['a', -2]);
    const parts: Buffer[] = [Buffer.from(Int32Array.of(16).buffer)];
    for (const [piece, score] of entries) {
      const bytes = Buffer.from(piece, 'utf8');
      const head = Buffer.alloc(8);
      head.writeFloatLE(score, 0);
      head.writeInt32LE(bytes.length, 4);
      parts.push(head, bytes);
    }
    const tok = Llama2cTokenizer.parse(new Uint8Array(Buffer.concat(parts)), 'tok.bin');
    expect(() => hfTokenizerFiles(tok, { modelMaxLength: 8 })).toThrow(TokenizerExportError);
    expect(() => hfTokenizerFiles(tok, { modelMaxLength: 8 })).toThrow(/llama2c tokenizer cannot be written/);
  });
});

describe('a Hugging Face tokenizer is copied through', () => {
  for (const [label, json] of [
    ['GPT-2 style (no BOS, EOS <|endoftext|>)', gpt2TokenizerJson()],
    ['Llama style (BOS <s>, dummy prefix)', llamaTokenizerJson()],
  ] as const) {
    it(`${label}: same tokenizer.json, rein's plain chat layout as the chat_template`, () => {
      const tok = new HfTokenizer(
        json,
        label.startsWith('Llama') ? { bos_token: '<s>', eos_token: '</s>' } : {},
      );
      const e = exportFor(tok);
      expect(e.tokenizerJson).toEqual(json);
      expect(e.config.tokenizer_class).toBe('PreTrainedTokenizerFast');
      for (const [prompt, response] of [
        ['hello there', 'hello'],
        ['the hill', ''],
      ]) {
        const full = encodeChat(tok, prompt, response);
        expect(full.style).toBe('plain');
        const conversation = [
          { role: 'user', content: prompt },
          { role: 'assistant', content: response },
        ];
        expect(chatIds(e, conversation, false)).toEqual(full.ids);
        expect(chatIds(e, [conversation[0]], true)).toEqual(encodeChat(tok, prompt).ids);
        // read back, the folder's template is rein's own: the built-in plain layout, empty reply too
        const back = new HfTokenizer(e.tokenizerJson, e.config);
        expect(encodeChat(back, prompt, response)).toEqual(full);
      }
    });
  }

  it("a model's own chat template is kept: the model was trained in it", () => {
    const chatml =
      "{% for m in messages %}{{ '<|endoftext|>' + m['role'] + '\\n' + m['content'] + '<|endoftext|>' }}{% endfor %}" +
      "{% if add_generation_prompt %}{{ '<|endoftext|>assistant\\n' }}{% endif %}";
    const tok = new HfTokenizer(gpt2TokenizerJson(), { chat_template: chatml, eos_token: '<|endoftext|>' });
    expect(encodeChat(tok, 'hello').style).toBe('template');
    const e = exportFor(tok);
    expect(e.config.chat_template).toBe(chatml);
    const conversation = [
      { role: 'user', content: 'hello there' },
      { role: 'assistant', content: 'the hello' },
    ];
    expect(chatIds(e, conversation, false)).toEqual(encodeChat(tok, 'hello there', 'the hello').ids);
  });
});

describe('jinjaString', () => {
  it('quotes what a Jinja string literal needs quoted', () => {
    const nasty = "it's a \\ back\nslash\t'x'";
    expect(new Template(`{{ ${jinjaString(nasty)} }}`).render({})).toBe(nasty);
  });

  it('renders a template for any chat tokens without a BOS', () => {
    expect(chatTemplateJinja(freshTokenizer())).not.toContain('bos');
  });
});
