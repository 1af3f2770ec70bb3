/**
 * Fitting a long dialogue and its reply into a short context by keeping the END of the dialogue.
 *
 * HH-RLHF dialogues run to thousands of tokens and their decisive part is the last human turn
 * (what was asked) and the reply. The shared truncation (train/common/batch.ts) also cuts from the
 * front but keeps the whole reply, so a long reply can crowd out the request it answers; here the
 * reply is capped (its first `maxAnswerTokens` − 1 tokens and the end token, so the reward is
 * always read at the end token) and the dialogue's last turns fill what remains.
 */
import { encodeChat } from '../tokenizer/chat-template.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import type { Sequence } from '../train/common/batch.js';

export interface FitOptions {
  /** Tokens in the whole sequence (the model's context). */
  contextLength: number;
  /** Tokens of the reply, its end token included; longer replies lose their middle-to-end part. */
  maxAnswerTokens: number;
}

/** One exchange through the chat template, cut to the context from the left (see the module comment). */
export function encodeKeepingLast(
  tok: Tokenizer,
  prompt: string,
  answer: string,
  opts: FitOptions,
): Sequence {
  const { contextLength, maxAnswerTokens } = opts;
  if (!(maxAnswerTokens >= 2 && maxAnswerTokens < contextLength))
    throw new Error(
      `encodeKeepingLast: maxAnswerTokens ${maxAnswerTokens} must be in 2 … contextLength−1 (${contextLength - 1})`,
    );
  const full = encodeChat(tok, prompt, answer);
  let reply = full.ids.slice(full.responseStart);
  if (reply.length > maxAnswerTokens)
    reply = [...reply.slice(0, maxAnswerTokens - 1), reply[reply.length - 1]];
  const context = full.ids.slice(0, full.responseStart).slice(-(contextLength - reply.length));
  return { ids: [...context, ...reply], responseStart: context.length };
}
