import { z } from 'zod';

/**
 * A demonstration: the answer a person (or the world's aligned style) would give to a prompt —
 * imitation learning's data (SFT). Extra fields (id, family, lang, …) are kept and ignored.
 */
export const DemoRecord = z.looseObject({
  prompt: z.string(),
  response: z.string(),
});
export type DemoRecord = z.infer<typeof DemoRecord>;

/** A prompt to answer (RL prompts, evaluation prompts): `text` is what the model sees. */
export const PromptRecord = z.looseObject({
  id: z.string().optional(),
  text: z.string(),
});
export type PromptRecord = z.infer<typeof PromptRecord>;
