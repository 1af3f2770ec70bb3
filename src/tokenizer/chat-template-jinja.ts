/**
 * rein's chat template (chat-template.ts) as a Jinja `chat_template` for `tokenizer_config.json`,
 * the form `transformers`' `apply_chat_template` renders. For one exchange the rendered text,
 * tokenized with special tokens recognised, is exactly the ids `encodeChat` produces:
 *
 *   rein style:   [BOS] <|user|>PROMPT<|assistant|>RESPONSE<|end|>
 *   plain style:  [BOS] User: PROMPT\nAssistant: RESPONSE[EOS]
 *
 * `add_generation_prompt` appends what `encodeChat(tok, prompt)` ends with, so generation continues
 * from the same ids rein samples from. Messages must alternate user, assistant, user, … (rein has no
 * system role; a conversation of several exchanges simply repeats the pattern — rein itself only
 * ever trains on one exchange). Anything else raises, rather than render a layout the model never saw.
 */
import { chatStyle } from './chat-template.js';
import { REIN_TEMPLATE_MARK } from './chat-template-hf.js';
import type { Tokenizer } from './tokenizer.js';

/** A Jinja string literal (single-quoted; Jinja reads Python-style escapes). */
export function jinjaString(s: string): string {
  const body = s
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t');
  return `'${body}'`;
}

/** The name of a special token id, as the tokenizer spells it in text. */
function tokenText(tok: Tokenizer, id: number): string {
  for (const [name, sid] of tok.specialTokens()) if (sid === id) return name;
  return tok.piece(id);
}

export function chatTemplateJinja(tok: Tokenizer): string {
  const style = chatStyle(tok);
  const bos = tok.bosId !== null ? jinjaString(tokenText(tok, tok.bosId)) : null;
  let userTurn: string;
  let assistantTurn: string;
  let generationPrompt: string;
  if (style === 'rein') {
    const name = (n: string) => jinjaString(n);
    userTurn = `{{ ${name('<|user|>')} + message['content'] }}`;
    assistantTurn = `{{ ${name('<|assistant|>')} + message['content'] + ${name('<|end|>')} }}`;
    generationPrompt = `{{ ${name('<|assistant|>')} }}`;
  } else {
    // rein encodes the prompt and " RESPONSE" separately; an empty response adds no space
    const eos = tok.eosId !== null ? ` + ${jinjaString(tokenText(tok, tok.eosId))}` : '';
    userTurn = `{{ 'User: ' + message['content'] + '\\n' }}`;
    assistantTurn = `{{ 'Assistant:' + ((' ' + message['content']) if message['content'] != '' else '')${eos} }}`;
    generationPrompt = `{{ 'Assistant:' }}`;
  }
  const fail = (what: string) =>
    `{{ raise_exception(${jinjaString(REIN_TEMPLATE_MARK)} + (loop.index0 | string) + ${jinjaString(` must be ${what}, got role '`)} + message['role'] + "'") }}`;
  // one line with no text between tags: nothing depends on trim_blocks / lstrip_blocks
  return [
    bos !== null ? `{{ ${bos} }}` : '',
    '{% for message in messages %}',
    "{% if loop.index0 % 2 == 0 %}{% if message['role'] != 'user' %}",
    fail("the user's (messages alternate user, assistant, … and there is no system role)"),
    '{% endif %}',
    userTurn,
    "{% else %}{% if message['role'] != 'assistant' %}",
    fail("the assistant's (messages alternate user, assistant, …)"),
    '{% endif %}',
    assistantTurn,
    '{% endif %}',
    '{% endfor %}',
    `{% if add_generation_prompt %}${generationPrompt}{% endif %}`,
  ].join('');
}
