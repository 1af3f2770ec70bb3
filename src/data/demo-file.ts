/**
 * A demonstrations file for SFT, in the shapes people bring: rein's `{prompt, response}` lines
 * (the world's demos, `rein feedback export --format demos`); TRL's prompt-completion
 * `{prompt, completion}` and conversational `{messages}` records (data/conversation.ts: the
 * last assistant message is the demonstration, the messages before it its prompt); TRL's
 * language-modelling `{text}` records, learned whole; or Open Assistant message trees, whose
 * rank-0 assistant replies are the volunteers' best answers.
 */
import { z } from 'zod';
import { Exchange, PromptField, ReplyField } from './conversation.js';
import { DemoRecord } from './demos.js';
import { firstJsonlValue, readJsonl } from './jsonl.js';
import { oasstDemonstrations, readOasstTrees } from './oasst.js';

/** A plain text learned whole — every token, no chat template (TRL's language-modelling record). */
export interface TextExample {
  text: string;
}

/** What SFT learns from: a demonstration (its response), or a text (all of it). */
export type SftExample = DemoRecord | TextExample;

export interface DemonstrationFile {
  format: 'demos' | 'prompt-completion' | 'messages' | 'text' | 'oasst';
  demos: SftExample[];
}

const TextLine: z.ZodType<TextExample> = z
  .looseObject({ text: z.string() })
  .transform((r) => ({ text: r.text }));

const PromptCompletionLine: z.ZodType<DemoRecord> = z
  .looseObject({ prompt: PromptField, completion: ReplyField })
  .transform(({ prompt, completion }) => ({ prompt, response: completion }));

const MessagesLine: z.ZodType<DemoRecord> = z
  .looseObject({ messages: Exchange })
  .transform(({ messages }) => ({ prompt: messages.prompt, response: messages.reply }));

/** Reads demonstrations (`.jsonl` or `.jsonl.gz`), telling the shape by its first non-blank line. */
export function readDemonstrations(file: string): DemonstrationFile {
  const first = firstJsonlValue(file)?.value;
  const has = (key: string) => first !== null && typeof first === 'object' && key in first;
  if (has('message_tree_id')) return { format: 'oasst', demos: oasstDemonstrations(readOasstTrees(file)) };
  if (has('messages')) return { format: 'messages', demos: readJsonl(file, MessagesLine) };
  if (has('text') && !has('prompt')) return { format: 'text', demos: readJsonl(file, TextLine) };
  if (has('completion')) return { format: 'prompt-completion', demos: readJsonl(file, PromptCompletionLine) };
  return { format: 'demos', demos: readJsonl(file, DemoRecord) };
}
