import { type ChatLayout, layoutIds } from './chat-template-hf.js';
import type { Tokenizer } from './tokenizer.js';

/**
 * THE chat template of rein, the one place that decides how a prompt and a reply become
 * tokens. Training (SFT, reward model, PPO, DPO), sampling and scoring all call it, so a model
 * is always scored on exactly the layout it was trained on.
 *
 * - Tokenizers with rein's chat tokens:  [BOS?] <|user|> PROMPT <|assistant|> RESPONSE <|end|>
 * - A tokenizer with a chat template of its own (an instruction-tuned Hugging Face model): that
 *   template's layout of one exchange, e.g. ChatML's
 *   <|im_start|>user\nPROMPT<|im_end|>\n<|im_start|>assistant\nRESPONSE<|im_end|> (chat-template-hf.ts)
 * - Any other tokenizer (plain text):    [BOS?] "User: PROMPT\nAssistant:" " RESPONSE" [EOS?]
 *   (the reply is encoded on its own, after a space, so its tokens never merge with the prompt's)
 */
export type ChatStyle = 'rein' | 'template' | 'plain';

export interface ChatEncoding {
  /** Prompt ids followed by response ids (and the end token when a response was given). */
  ids: number[];
  /** Index of the first response token: ids.slice(0, responseStart) is the generation prompt. */
  responseStart: number;
  style: ChatStyle;
}

export interface ChatOptions {
  /** A system message before the user's, where the model's own template takes one (style 'template'). */
  system?: string;
}

export function chatStyle(tok: Tokenizer): ChatStyle {
  const has = (n: string) => tok.specialTokenId(n) !== null;
  if (has('<|user|>') && has('<|assistant|>') && has('<|end|>')) return 'rein';
  return tok.chatLayout ? 'template' : 'plain';
}

/**
 * Encodes one exchange. Without `response`, returns the prompt that generation continues from
 * (ids.length === responseStart). With it, the ids end with the end-of-reply token when the
 * tokenizer has one, so a model learns to stop.
 */
export function encodeChat(
  tok: Tokenizer,
  prompt: string,
  response?: string,
  options: ChatOptions = {},
): ChatEncoding {
  const style = chatStyle(tok);
  if (style === 'template') return encodeTemplateChat(tok, tok.chatLayout!, prompt, response, options.system);
  if (options.system !== undefined)
    throw new Error(
      "encodeChat: a system message needs the model's own chat template; rein's layouts hold one user message",
    );
  const ids: number[] = tok.bosId !== null ? [tok.bosId] : [];
  if (style === 'rein') {
    ids.push(tok.specialTokenId('<|user|>')!, ...tok.encode(prompt), tok.specialTokenId('<|assistant|>')!);
  } else {
    ids.push(...tok.encode(`User: ${prompt}\nAssistant:`));
  }
  const responseStart = ids.length;
  if (response !== undefined) {
    if (style === 'rein') ids.push(...tok.encode(response), tok.specialTokenId('<|end|>')!);
    else {
      if (response !== '') ids.push(...tok.encode(tok.addsDummyPrefix ? response : ` ${response}`));
      if (tok.eosId !== null) ids.push(tok.eosId);
    }
  }
  return { ids, responseStart, style };
}

/** The template's layout around the texts (it writes BOS itself where the model wants one). */
function encodeTemplateChat(
  tok: Tokenizer,
  layout: ChatLayout,
  prompt: string,
  response: string | undefined,
  system: string | undefined,
): ChatEncoding {
  const encode = (text: string) => tok.encode(text);
  const pieces = system === undefined ? layout.prompt : layout.systemPrompt();
  const ids = layoutIds(pieces, { system, prompt }, encode);
  const responseStart = ids.length;
  if (response !== undefined) ids.push(...layoutIds(layout.reply, { reply: response }, encode));
  return { ids, responseStart, style: 'template' };
}

/** The ids that end a reply: generation stops when it samples one. */
export function chatStopIds(tok: Tokenizer): number[] {
  const style = chatStyle(tok);
  if (style === 'rein') return [tok.specialTokenId('<|end|>')!];
  const eos = tok.eosId !== null ? [tok.eosId] : [];
  if (style === 'plain') return eos;
  return [...new Set([tok.chatLayout!.end, ...eos])];
}

/** The text of a reply from its ids (stop token excluded or not), undoing the template's separator space. */
export function chatResponseText(tok: Tokenizer, responseIds: ArrayLike<number>): string {
  const text = tok.decode(responseIds);
  if (chatStyle(tok) === 'plain' && !tok.addsDummyPrefix && text.startsWith(' ')) return text.slice(1);
  return text;
}
