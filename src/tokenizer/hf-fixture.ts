/**
 * Tiny Hugging Face `tokenizer.json` documents built in code, for tests (here and in model/):
 * a GPT-2-style byte-level BPE and a Llama-style sentencepiece BPE with byte fallback.
 */

/** GPT-2's reversible byte → printable character table. */
export function byteToUnicode(): string[] {
  const keep: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) keep.push(b);
  for (let b = 0xa1; b <= 0xac; b++) keep.push(b);
  for (let b = 0xae; b <= 0xff; b++) keep.push(b);
  const table: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) table[b] = String.fromCharCode(keep.includes(b) ? b : 256 + extra++);
  return table;
}

/** GPT-2 layout: 256 byte symbols, the given merges (in byte-symbol spelling), then <|endoftext|>. */
export function gpt2TokenizerJson(
  merges: [string, string][] = [
    ['Ġ', 't'],
    ['h', 'e'],
    ['Ġt', 'he'],
    ['l', 'l'],
    ['ll', 'o'],
  ],
): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  byteToUnicode().forEach((ch, i) => {
    vocab[ch] = i;
  });
  let next = 256;
  for (const [a, b] of merges) vocab[a + b] = next++;
  const eos = next;
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      {
        id: eos,
        content: '<|endoftext|>',
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: true,
        special: true,
      },
    ],
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: byteLevel,
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab: { ...vocab, '<|endoftext|>': eos },
      merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  };
}

/** Llama layout: <unk> <s> </s>, 256 byte pieces, then pieces built from the merges; BOS added. */
export function llamaTokenizerJson(
  merges: [string, string][] = [
    ['▁', 'h'],
    ['▁h', 'i'],
    ['▁', 't'],
  ],
  letters = 'abcdefghijklmnopqrstuvwxyz',
): Record<string, unknown> {
  const vocab: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  for (let b = 0; b < 256; b++) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`] = 3 + b;
  let next = 259;
  for (const ch of `▁${letters}`) vocab[ch] = next++;
  for (const [a, b] of merges) vocab[a + b] = next++;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [addedSpecial(0, '<unk>'), addedSpecial(1, '<s>'), addedSpecial(2, '</s>')],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: '▁' },
        { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
      ],
    },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '<s>', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '<s>', type_id: 1 } },
        { Sequence: { id: 'B', type_id: 1 } },
      ],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      vocab,
      merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  };
}

/** An `added_tokens` entry of a special token, matched as written. */
function addedSpecial(id: number, content: string) {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

/** A tokenizer.json with special tokens added after its last id (as instruction-tuned models add theirs). */
export function withSpecialTokens(json: Record<string, unknown>, names: string[]): Record<string, unknown> {
  const added = [...(json.added_tokens as { id: number }[])];
  let next = Math.max(...added.map((t) => t.id)) + 1;
  for (const content of names) added.push(addedSpecial(next++, content));
  return { ...json, added_tokens: added };
}

/**
 * A ChatML chat template in Qwen2.5-Instruct's layout: <|im_start|>ROLE\nTEXT<|im_end|>\n per
 * message, and with `defaultSystem` a system message first when the conversation has none.
 */
export function chatmlTemplate(defaultSystem?: string): string {
  const system =
    defaultSystem === undefined
      ? ''
      : `{%- if messages[0]['role'] != 'system' %}{{- '<|im_start|>system\\n${defaultSystem}<|im_end|>\\n' }}{%- endif %}`;
  return [
    system,
    "{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{%- endfor %}",
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}",
  ].join('');
}
