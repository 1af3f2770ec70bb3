import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Tokenizer as HfLibTokenizer } from '@huggingface/tokenizers';
import { type ChatLayout, chatLayout, isReinTemplate, templateSource } from './chat-template-hf.js';
import { checkId, type DecodeOptions, type Tokenizer, type TokenizerFile } from './tokenizer.js';

interface HfAddedToken {
  id: number;
  content: string;
  special?: boolean;
}

type TokenSpec = string | { content: string } | null | undefined;
const specName = (t: TokenSpec): string | null => (t == null ? null : typeof t === 'string' ? t : t.content);

/**
 * A Hugging Face `tokenizer.json` (with its `tokenizer_config.json` when present), run by
 * `@huggingface/tokenizers`. Two instances of the library's tokenizer are kept: the full one
 * decodes, and one without special added tokens encodes, so that text spelling a special token
 * ("<|endoftext|>") is encoded as plain text, as rein's other tokenizers do.
 */
export class HfTokenizer implements Tokenizer {
  readonly kind = 'hf' as const;
  readonly vocabSize: number;
  readonly bosId: number | null;
  readonly eosId: number | null;
  readonly padId: number | null;
  readonly addsDummyPrefix: boolean;
  /** The model's own chat template (`chat_template` in tokenizer_config.json), or null. */
  readonly chatTemplate: string | null;

  private readonly full: HfLibTokenizer;
  private readonly plain: HfLibTokenizer;
  private readonly special = new Map<string, number>();
  /** Whether chatTemplate is one rein wrote for its own layout (read once: chatLayout is on every encode's path). */
  private readonly reinTemplate: boolean;
  private layout: ChatLayout | undefined;

  constructor(
    private readonly json: Record<string, unknown>,
    private readonly config: Record<string, unknown> = {},
    private readonly source = 'tokenizer.json',
  ) {
    const model = json.model as { vocab?: unknown } | undefined;
    if (typeof model !== 'object' || model === null || !('type' in model || 'vocab' in model)) {
      throw new Error(`${source}: not a Hugging Face tokenizer.json (no 'model' object)`);
    }
    const added = (Array.isArray(json.added_tokens) ? json.added_tokens : []) as HfAddedToken[];
    try {
      this.full = new HfLibTokenizer(json, config);
      this.plain = new HfLibTokenizer({ ...json, added_tokens: added.filter((t) => !t.special) }, config);
    } catch (e) {
      throw new Error(`${source}: the Hugging Face tokenizer could not be built: ${(e as Error).message}`);
    }
    let size = 0;
    for (const id of this.full.get_vocab(true).values()) size = Math.max(size, id + 1);
    this.vocabSize = size;
    for (const t of added) if (t.special) this.special.set(t.content, t.id);

    const idOf = (spec: TokenSpec): number | null => {
      const name = specName(spec);
      return name === null ? null : (this.full.token_to_id(name) ?? this.special.get(name) ?? null);
    };
    // BOS only when the post-processor really puts one in front (Llama does, GPT-2 does not).
    const withSpecial = this.full.encode('a', { add_special_tokens: true }).ids;
    const without = this.full.encode('a', { add_special_tokens: false }).ids;
    const bosCandidate = idOf(config.bos_token as TokenSpec);
    this.bosId = withSpecial.length > without.length && withSpecial[0] !== without[0] ? withSpecial[0] : null;
    if (this.bosId === null && bosCandidate !== null && withSpecial[0] === bosCandidate)
      this.bosId = bosCandidate;
    this.eosId =
      idOf(config.eos_token as TokenSpec) ??
      this.special.get('<|endoftext|>') ??
      this.special.get('</s>') ??
      null;
    this.padId = idOf(config.pad_token as TokenSpec);
    const first = this.plain.tokenize('a')[0] ?? '';
    this.addsDummyPrefix = first.startsWith('\u2581');
    this.chatTemplate = templateSource(config);
    this.reinTemplate = this.chatTemplate !== null && isReinTemplate(this.chatTemplate);
  }

  /**
   * One exchange in the model's own chat template, cut where the prompt and the reply go: null
   * without one, or where it is the template rein wrote for its own layout (its built-in one).
   */
  get chatLayout(): ChatLayout | null {
    if (this.chatTemplate === null || this.reinTemplate) return null;
    this.layout ??= chatLayout(
      this.chatTemplate,
      {
        bos: specName(this.config.bos_token as TokenSpec),
        eos: specName(this.config.eos_token as TokenSpec),
      },
      this.special,
      this.eosId,
      this.source.replace(/tokenizer\.json$/, 'tokenizer_config.json'),
    );
    return this.layout;
  }

  /** Reads `tokenizer.json`, and `tokenizer_config.json` beside it when there is one. */
  static load(file: string): HfTokenizer {
    const json = readJson(file);
    const configFile = join(dirname(file), 'tokenizer_config.json');
    const config = existsSync(configFile) ? readJson(configFile) : {};
    // newer transformers save the chat template in a file of its own, which wins over the config's
    const templateFile = join(dirname(file), 'chat_template.jinja');
    if (existsSync(templateFile)) config.chat_template = readFileSync(templateFile, 'utf8');
    return new HfTokenizer(json, config, file);
  }

  files(): TokenizerFile[] {
    const out: TokenizerFile[] = [{ name: 'tokenizer.json', data: JSON.stringify(this.json) }];
    if (Object.keys(this.config).length > 0)
      out.push({ name: 'tokenizer_config.json', data: JSON.stringify(this.config) });
    return out;
  }

  encode(text: string): number[] {
    if (text === '') return [];
    return this.plain.encode(text, { add_special_tokens: false }).ids;
  }

  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    const list = Array.from(ids);
    for (const id of list) checkId(this, id, 'hf decode');
    return this.full.decode(list, {
      skip_special_tokens: options.skipSpecial ?? true,
      clean_up_tokenization_spaces: false,
    });
  }

  specialTokenId(name: string): number | null {
    return this.special.get(name) ?? null;
  }

  specialTokens(): ReadonlyMap<string, number> {
    return this.special;
  }

  piece(id: number): string {
    checkId(this, id, 'hf piece');
    return this.full.id_to_token(id) ?? `<${id}>`;
  }
}

function readJson(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  try {
    const v = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
    return v;
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
}
