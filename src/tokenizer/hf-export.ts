/**
 * The tokenizer files of a Hugging Face model folder for any rein tokenizer, or a clear refusal:
 * `tokenizer.json`, `tokenizer_config.json` (with rein's chat template as Jinja) and
 * `special_tokens_map.json`.
 *
 * - rein-bpe: translated (hf-bpe-export.ts); its chat tokens become additional special tokens,
 *   `<|end|>` the EOS (it ends every reply, so `generate` stops there), `<|pad|>` the pad.
 * - hf: the `tokenizer.json` rein ran is copied through unchanged, so HF tokenizes exactly as rein
 *   did; `tokenizer_config.json` keeps its fields but gets rein's chat template (the layout the model
 *   was trained on here, which is not the original model's own template) and PreTrainedTokenizerFast
 *   as its class (the tokenizer.json alone, as rein ran it, without a model-specific class's extras).
 * - llama2c: refused. Its encoder (whole characters, then merges by score, leftmost on ties) has no
 *   faithful `tokenizer.json` translation rein can check, and a near miss would be subtly wrong.
 */
import type { BpeTokenizer } from './bpe.js';
import { chatStyle } from './chat-template.js';
import { chatTemplateJinja } from './chat-template-jinja.js';
import type { HfTokenizer } from './hf.js';
import { reinBpeToHfTokenizerJson } from './hf-bpe-export.js';
import type { Tokenizer, TokenizerFile } from './tokenizer.js';

export interface HfTokenizerExportOptions {
  /** Longest input the model takes (its context length): `model_max_length`. */
  modelMaxLength: number;
}

/** Thrown when a tokenizer cannot be written as Hugging Face files without changing its behaviour. */
export class TokenizerExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenizerExportError';
  }
}

/** The text of a special id (its name), or null when the id is null. */
function nameOf(tok: Tokenizer, id: number | null): string | null {
  if (id === null) return null;
  for (const [name, sid] of tok.specialTokens()) if (sid === id) return name;
  return tok.piece(id);
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export function hfTokenizerFiles(tok: Tokenizer, options: HfTokenizerExportOptions): TokenizerFile[] {
  if (tok.kind === 'rein-bpe') return reinBpeFiles(tok as BpeTokenizer, options);
  if (tok.kind === 'hf') return copiedHfFiles(tok as HfTokenizer, options);
  throw new TokenizerExportError(
    `a ${tok.kind} tokenizer cannot be written as a Hugging Face tokenizer.json faithfully (its encoder — whole characters, then merges by score, leftmost on ties, with a dummy-prefix space — has no translation rein can check exactly); export the model alone and tokenize with the original sentencepiece model or llama2.c tokenizer`,
  );
}

function reinBpeFiles(tok: BpeTokenizer, options: HfTokenizerExportOptions): TokenizerFile[] {
  const tokenizerJson = reinBpeToHfTokenizerJson(tok);
  const eos = nameOf(tok, tok.eosId);
  const pad = nameOf(tok, tok.padId);
  const others = [...tok.specialTokens().keys()].filter((n) => n !== eos && n !== pad);
  const addedDecoder: Record<string, unknown> = {};
  for (const [name, id] of tok.specialTokens()) {
    addedDecoder[String(id)] = {
      content: name,
      lstrip: false,
      normalized: false,
      rstrip: false,
      single_word: false,
      special: true,
    };
  }
  const config = {
    tokenizer_class: 'PreTrainedTokenizerFast',
    model_max_length: options.modelMaxLength,
    // rein decodes bytes as they are; the default clean-up would glue " ." into "."
    clean_up_tokenization_spaces: false,
    bos_token: null,
    eos_token: eos,
    pad_token: pad,
    unk_token: null,
    additional_special_tokens: others,
    added_tokens_decoder: addedDecoder,
    chat_template: chatTemplateJinja(tok),
  };
  const specialMap = { eos_token: eos, pad_token: pad, additional_special_tokens: others };
  return [
    { name: 'tokenizer.json', data: json(tokenizerJson) },
    { name: 'tokenizer_config.json', data: json(config) },
    { name: 'special_tokens_map.json', data: json(specialMap) },
  ];
}

function copiedHfFiles(tok: HfTokenizer, options: HfTokenizerExportOptions): TokenizerFile[] {
  const files = tok.files();
  const original = files.find((f) => f.name === 'tokenizer_config.json');
  const config: Record<string, unknown> = original ? JSON.parse(String(original.data)) : {};
  const special: Record<string, string | null> = {
    bos_token: nameOf(tok, tok.bosId),
    eos_token: nameOf(tok, tok.eosId),
    pad_token: nameOf(tok, tok.padId),
  };
  // keep what the original config says about its tokens; fill in what rein found when it says nothing
  for (const [key, value] of Object.entries(special)) if (config[key] == null) config[key] = value;
  config.tokenizer_class = 'PreTrainedTokenizerFast';
  // a model trained in its own template keeps it; otherwise the template renders the layout rein used
  if (chatStyle(tok) !== 'template') config.chat_template = chatTemplateJinja(tok);
  if (typeof config.model_max_length !== 'number' || config.model_max_length > options.modelMaxLength)
    config.model_max_length = options.modelMaxLength;
  const specialMap: Record<string, unknown> = {};
  for (const key of ['bos_token', 'eos_token', 'pad_token', 'unk_token', 'additional_special_tokens'])
    if (config[key] != null) specialMap[key] = config[key];
  const tokenizerJson = files.find((f) => f.name === 'tokenizer.json');
  if (!tokenizerJson)
    throw new TokenizerExportError('the Hugging Face tokenizer has no tokenizer.json to copy');
  return [
    { name: 'tokenizer.json', data: tokenizerJson.data },
    { name: 'tokenizer_config.json', data: json(config) },
    { name: 'special_tokens_map.json', data: json(specialMap) },
  ];
}
