/**
 * A Hugging Face tokenizer's own chat template (`chat_template` in `tokenizer_config.json`): the
 * layout an instruction-tuned model (Qwen2.5-Instruct's ChatML, Llama 3's headers, …) was trained on,
 * rendered by `@huggingface/jinja` as `transformers`' `apply_chat_template` renders it.
 *
 * rein's trainers need an exchange's ids with the reply's start known, so the template is rendered
 * once with marker strings in place of the texts: the generation prompt, then what the exchange
 * adds to it (the reply and its end). Both are cut at the template's special tokens; between them,
 * runs of text are encoded as plain text with the prompt's or the reply's text put in — as
 * `apply_chat_template` encodes them, except that a user typing "<|im_end|>" does not end the turn
 * (rein's tokenizers never read a special token out of a message). A reply ends at the first
 * special token after it, the end-of-turn token generation stops at (the text a template writes after
 * it, such as ChatML's newline, belongs to the next turn), or at EOS where the template writes none.
 */
import { Template } from '@huggingface/jinja';

/** A special token's id, or a run of plain text in which a marker stands for the prompt or the reply. */
export type LayoutPiece = { id: number } | { text: string };

/** One exchange in the template: the pieces of the generation prompt, then those of the reply. */
export interface ChatLayout {
  /** BOS where the template writes it, a system message it adds itself, the user's turn, the assistant's header. */
  prompt: LayoutPiece[];
  /** The reply's text (with what the template writes around it) through its end-of-turn token. */
  reply: LayoutPiece[];
  /** The id that ends a reply: generation stops at it. */
  end: number;
  /**
   * The generation prompt with a system message first, in place of `prompt` (rendered when first
   * asked: some templates refuse a system role, and say so then).
   */
  systemPrompt(): LayoutPiece[];
}

/** What a template reads besides the messages. */
export interface TemplateTokens {
  bos: string | null;
  eos: string | null;
}

/**
 * Words in every chat template rein writes for its own layouts (chat-template-jinja.ts): a folder
 * rein exported reads back in rein's built-in layout, which that template only restates.
 */
export const REIN_TEMPLATE_MARK = "rein's chat template: message ";

/** Whether a template is one rein wrote (the mark sits in a Jinja string, its quote escaped). */
export function isReinTemplate(source: string): boolean {
  return source.includes(REIN_TEMPLATE_MARK.replace("'", "\\'")) || source.includes(REIN_TEMPLATE_MARK);
}

// never in a template's own text, and untouched by the filters templates apply to a message (trim)
const PROMPT = '\u0001rein-prompt\u0001';
const REPLY = '\u0001rein-reply\u0001';
const SYSTEM = '\u0001rein-system\u0001';

/** The template's source from `tokenizer_config.json`: a string, or the `default` of named ones. */
export function templateSource(config: Record<string, unknown>): string | null {
  const t = config.chat_template;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const named = t.find((x) => x?.name === 'default') ?? t[0];
    return typeof named?.template === 'string' ? named.template : null;
  }
  return null;
}

/**
 * Cuts one exchange's rendering at the prompt and the reply. `specials` are the tokenizer's special
 * tokens (name → id); `where` names the file in errors.
 */
export function chatLayout(
  source: string,
  tokens: TemplateTokens,
  specials: ReadonlyMap<string, number>,
  eosId: number | null,
  where: string,
): ChatLayout {
  const fail = (why: string): never => {
    throw new Error(`${where}: chat_template: ${why}`);
  };
  let template: Template;
  try {
    template = new Template(source);
  } catch (e) {
    return fail(`cannot be parsed (${(e as Error).message})`);
  }
  const render = (messages: { role: string; content: string }[], generationPrompt: boolean): string => {
    try {
      return template.render({
        messages,
        add_generation_prompt: generationPrompt,
        bos_token: tokens.bos ?? '',
        eos_token: tokens.eos ?? '',
      });
    } catch (e) {
      return fail(`cannot render one exchange (${(e as Error).message})`);
    }
  };
  const user = { role: 'user', content: PROMPT };
  const prompt = render([user], true);
  const exchange = render([user, { role: 'assistant', content: REPLY }], false);
  if (prompt.split(PROMPT).length !== 2) fail("the user's message does not appear once in it");
  if (!exchange.startsWith(prompt) || exchange.split(REPLY).length !== 2)
    fail('the exchange does not continue its generation prompt with the reply, so rein cannot cut it there');
  const cut = splitAtSpecials(specials);
  let withSystem: LayoutPiece[] | undefined;
  const systemPrompt = () => {
    if (withSystem === undefined) {
      const rendered = render([{ role: 'system', content: SYSTEM }, user], true);
      if (rendered.split(SYSTEM).length !== 2 || rendered.split(PROMPT).length !== 2)
        fail("a system message and the user's do not each appear once in it");
      withSystem = cut(rendered);
    }
    return withSystem;
  };
  const reply = cut(exchange.slice(prompt.length));
  const markerAt = reply.findIndex((p) => 'text' in p && p.text.includes(REPLY));
  const endAt = reply.findIndex((p, i) => i > markerAt && 'id' in p);
  if (endAt < 0 && eosId === null) fail('nothing ends the reply: no special token after it, and no EOS');
  const end = endAt >= 0 ? (reply[endAt] as { id: number }).id : eosId!;
  const replyPieces = endAt >= 0 ? reply.slice(0, endAt + 1) : [...reply, { id: end }];
  return { prompt: cut(prompt), reply: replyPieces, end, systemPrompt };
}

/** A rendering → its special tokens' ids and the runs of text between them. */
function splitAtSpecials(specials: ReadonlyMap<string, number>): (text: string) => LayoutPiece[] {
  const names = [...specials.keys()].sort((a, b) => b.length - a.length);
  const asLiteral = (n: string) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = names.length > 0 ? new RegExp(`(${names.map(asLiteral).join('|')})`) : null;
  return (text) => {
    const parts = pattern ? text.split(pattern) : [text];
    // split with a capture group: text, name, text, name, …
    return parts.flatMap((part, i): LayoutPiece[] =>
      i % 2 === 1 ? [{ id: specials.get(part)! }] : part === '' ? [] : [{ text: part }],
    );
  };
}

/** The ids of layout pieces, the system message's, prompt's and reply's texts put in for their markers. */
export function layoutIds(
  pieces: readonly LayoutPiece[],
  texts: { system?: string; prompt?: string; reply?: string },
  encode: (text: string) => number[],
): number[] {
  return pieces.flatMap((p) => {
    if ('id' in p) return [p.id];
    const text = p.text
      .replace(SYSTEM, () => texts.system ?? '')
      .replace(PROMPT, () => texts.prompt ?? '')
      .replace(REPLY, () => texts.reply ?? '');
    return text === '' ? [] : encode(text);
  });
}
