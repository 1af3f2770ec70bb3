/**
 * Conversations as rein's trainers read them. TRL's conversational datasets put a list of
 * messages `[{role, content}, …]` wherever a standard record has a string; rein's chat template
 * holds one exchange, so a conversation becomes one: the turns before the reply are its prompt —
 * a lone user message as itself, a longer history as "User: …" / "Assistant: …" paragraphs (the
 * way Open Assistant's threads are read too) — and the last assistant message is the reply.
 *
 * The fields below parse either shape, so every reader takes a standard or a conversational file
 * alike; a bad field fails naming what was expected.
 */
import { z } from 'zod';

export type Role = 'system' | 'user' | 'assistant';

export interface Turn {
  role: Role;
  text: string;
}

const ROLE_NAMES: Record<Role, string> = { system: 'System', user: 'User', assistant: 'Assistant' };

/** One prompt text for the turns before a reply: a lone user turn is itself, a history is written out. */
export function renderTurns(turns: readonly Turn[]): string {
  if (turns.length === 1 && turns[0].role === 'user') return turns[0].text;
  return turns.map((t) => `${ROLE_NAMES[t.role]}: ${t.text}`).join('\n\n');
}

/** A message of a TRL conversation. Extra keys (name, tool calls' ids, …) are ignored. */
const Message = z.looseObject({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
});

/** A non-empty list of messages, as turns. */
export const Messages = z
  .array(Message)
  .min(1, 'a conversation needs at least one message')
  .transform((ms): Turn[] => ms.map((m) => ({ role: m.role, text: m.content })));

/**
 * A field that holds a string or a list of messages, `use`d once parsed. Parsed by hand rather
 * than as a union, so a bad message is named by its own path (`prompt.1.role`) and reason.
 */
function stringOrMessages<T>(use: (v: string | Turn[], ctx: z.RefinementCtx) => T) {
  return z.unknown().transform((v, ctx) => {
    if (typeof v === 'string') return use(v, ctx);
    if (!Array.isArray(v)) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a string or a list of {role, content} messages, got ${v === undefined ? 'nothing' : typeof v}`,
      });
      return z.NEVER;
    }
    const parsed = Messages.safeParse(v);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
      return z.NEVER;
    }
    return use(parsed.data, ctx);
  });
}

/** A prompt: a string, or messages rendered as one prompt. */
export const PromptField = stringOrMessages((v) => (typeof v === 'string' ? v : renderTurns(v)));

/** The text of a reply given as messages: one assistant message (TRL's conversational completion). */
function replyText(turns: readonly Turn[], ctx: z.RefinementCtx): string {
  if (turns.length === 1 && turns[0].role === 'assistant') return turns[0].text;
  ctx.addIssue({ code: 'custom', message: 'a reply given as messages is a list of one assistant message' });
  return z.NEVER;
}

/** A reply: a string, or a list of one assistant message. */
export const ReplyField = stringOrMessages((v, ctx) => (typeof v === 'string' ? v : replyText(v, ctx)));

/**
 * A whole conversation as one exchange, (prompt, reply): the last message must be the assistant's;
 * every message before it is the prompt.
 */
export const Exchange = Messages.transform((turns, ctx) => {
  const last = turns[turns.length - 1];
  const problem =
    last.role !== 'assistant'
      ? `the last message is the ${last.role}'s, not a reply`
      : turns.length < 2
        ? 'a conversation with a reply needs a message before it'
        : null;
  if (problem !== null) {
    ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  }
  return { prompt: renderTurns(turns.slice(0, -1)), reply: last.text };
});
