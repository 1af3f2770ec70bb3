/**
 * How a benchmark question (and, when scoring, an answer) becomes tokens for the model under test.
 *
 * A tokenizer with rein's chat tokens, or with a chat template of its own (an instruction-tuned
 * Hugging Face model), gets that chat layout (tokenizer/chat-template.ts), the one its model was
 * trained on; the answer is scored without the end-of-reply token, so a likelihood is that of the
 * answer's own tokens. Any other tokenizer (a base GPT-2, Llama or
 * llama2.c model) gets a plain zero-shot question/answer layout, "Question: …\nAnswer:", with the
 * answer encoded on its own after a space so its first word never merges with the prompt's last.
 *
 * A question too long for the model's context loses its beginning: the end of a prompt holds the
 * request (HarmBench puts its long contexts first), so that is what is kept.
 */
import { chatResponseText, chatStyle, encodeChat } from '../../tokenizer/chat-template.js';
import { decodeContinuation, type Tokenizer } from '../../tokenizer/tokenizer.js';

export type BenchFormat = 'chat' | 'qa';

export function benchFormat(tok: Tokenizer): BenchFormat {
  return chatStyle(tok) === 'plain' ? 'qa' : 'chat';
}

/** One line for reports: what the model was shown. */
export function describeFormat(format: BenchFormat): string {
  return format === 'chat'
    ? "the model's chat template (rein's: <|user|> QUESTION <|assistant|> ANSWER)"
    : 'plain text, zero-shot: "Question: QUESTION\\nAnswer:" then " ANSWER"';
}

export interface BenchEncoding {
  /** Prompt ids, then the answer's ids when an answer was given. */
  ids: number[];
  /** First answer token (= ids.length without an answer). */
  responseStart: number;
  /** Whether the question lost its beginning to fit. */
  truncated: boolean;
}

function encodeOnce(tok: Tokenizer, format: BenchFormat, question: string, answer?: string): BenchEncoding {
  if (format === 'chat') {
    const e = encodeChat(tok, question, answer);
    // encodeChat ends a reply with one end-of-turn token (rein's <|end|>, a template's own, or EOS);
    // a likelihood is the answer's tokens alone
    const ids = answer === undefined ? e.ids : e.ids.slice(0, -1);
    return { ids, responseStart: e.responseStart, truncated: false };
  }
  const ids = [...(tok.bosId !== null ? [tok.bosId] : []), ...tok.encode(`Question: ${question}\nAnswer:`)];
  const responseStart = ids.length;
  if (answer !== undefined) ids.push(...tok.encode(tok.addsDummyPrefix ? answer : ` ${answer}`));
  return { ids, responseStart, truncated: false };
}

/**
 * Encodes a question (and an answer) in at most `maxTokens` ids, cutting the question's beginning
 * when needed. Throws when even an empty question leaves no room (the answer alone is too long).
 */
export function encodeBench(
  tok: Tokenizer,
  format: BenchFormat,
  question: string,
  answer: string | undefined,
  maxTokens: number,
): BenchEncoding {
  let q = question;
  let enc = encodeOnce(tok, format, q, answer);
  let truncated = false;
  while (enc.ids.length > maxTokens) {
    const qTokens = tok.encode(q).length;
    const over = enc.ids.length - maxTokens;
    if (q === '' || over >= qTokens)
      throw new Error(
        `a prompt does not fit the model's ${maxTokens}-token budget even without its question` +
          (answer === undefined ? '' : ` (answer: ${JSON.stringify(answer.slice(0, 60))})`),
      );
    // drop about the right share of characters from the front; each pass drops at least one
    let keep = Math.min(q.length - 1, Math.floor((q.length * (qTokens - over)) / qTokens));
    if (keep > 0 && /[\uDC00-\uDFFF]/.test(q[q.length - keep])) keep--; // never split a surrogate pair
    q = q.slice(q.length - keep);
    truncated = true;
    enc = encodeOnce(tok, format, q, answer);
  }
  return { ...enc, truncated };
}

/**
 * The text of a generated answer. In the plain layout a base model often goes on to write the
 * next "Question:" itself; that is not part of its answer.
 */
export function answerText(
  tok: Tokenizer,
  format: BenchFormat,
  promptIds: readonly number[],
  answerIds: readonly number[],
): string {
  if (format === 'chat') return chatResponseText(tok, answerIds);
  let text = decodeContinuation(tok, promptIds, answerIds);
  const next = text.indexOf('\nQuestion:');
  if (next >= 0) text = text.slice(0, next);
  return text.trim();
}
