import { z } from 'zod';
import { FAMILIES } from './families.js';

/**
 * The record shapes of a world directory. Prompt records carry what the gold judge needs to
 * check an answer (the fact's key and answer, the false claim, the operands), so a response can
 * be judged from its prompt record alone.
 */
export const Lang = z.enum(['en', 'zh']);

export const WorldPrompt = z.strictObject({
  id: z.string().min(1),
  family: z.enum(FAMILIES),
  lang: Lang,
  text: z.string().min(1),
  /** Template id(s), `set.lang.index`, joined by `+` when a prompt combines two (rude_user). */
  template: z.string().min(1),
  /** The entity the prompt is about (`capital:france`, `arith:7+5`, `harm:poison`, `unknown-capital:zorbia`, …). */
  entity: z.string().min(1),
  /** The kind of fact asked about (fact, unknown, math, false_premise, rude_user). */
  topic: z.enum(['capital', 'colour', 'sound', 'opposite', 'arith']).optional(),
  /** The subject as written in the prompt's language (France / 法国). */
  subject: z.string().optional(),
  /** The correct answer in the prompt's language, where the family has one. */
  answer: z.string().optional(),
  /** false_premise: the false value the user asserts. */
  claim: z.string().optional(),
  /** Arithmetic: the operands and the operation. */
  operands: z.tuple([z.number().int(), z.number().int()]).optional(),
  op: z.enum(['plus', 'minus', 'times']).optional(),
});
export type WorldPrompt = z.infer<typeof WorldPrompt>;

/** A chat exchange in the pretraining corpus; the models layer applies the one chat template. */
export const DialogueRecord = z.strictObject({
  kind: z.literal('dialogue'),
  prompt: z.string(),
  response: z.string(),
  family: z.enum(FAMILIES),
  lang: Lang,
});
export type DialogueRecord = z.infer<typeof DialogueRecord>;

/** A plain document stating facts. */
export const DocRecord = z.strictObject({ kind: z.literal('doc'), text: z.string() });
export type DocRecord = z.infer<typeof DocRecord>;

export const PretrainRecord = z.discriminatedUnion('kind', [DialogueRecord, DocRecord]);
export type PretrainRecord = z.infer<typeof PretrainRecord>;

/**
 * A demonstration: an aligned dialogue plus its prompt's judge fields. `prompt` is the prompt
 * text (the prompt record's `text`); `demoPrompt()` turns it back into a prompt record.
 */
export const DemoRecord = z.strictObject({
  kind: z.literal('dialogue'),
  ...WorldPrompt.omit({ text: true }).shape,
  prompt: z.string().min(1),
  response: z.string().min(1),
});
export type DemoRecord = z.infer<typeof DemoRecord>;

export function demoPrompt(d: DemoRecord): WorldPrompt {
  const { kind: _kind, prompt, response: _response, ...rest } = d;
  return { ...rest, text: prompt };
}
