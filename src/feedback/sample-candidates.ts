import { basename } from 'node:path';
import type { LoadedModel } from '../model/checkpoint.js';
import { sampleAnswers } from '../model/sample-chat.js';
import { MAX_CANDIDATES, type PromptInput } from './db/types.js';

export interface SampleOptions {
  /** Candidates per prompt (InstructGPT: 4–9); 1 makes rating tasks. */
  k: number;
  maxNew: number;
  temperature: number;
  topP: number;
  seed: number;
  /** Prompts per generate() call (each contributes K rows). */
  promptsPerBatch: number;
  /** Written as each candidate's `source` (default: the model file's name). */
  source?: string;
}

/**
 * Samples K answers to each prompt with the models layer's batched generator, through
 * the one chat template, so the answers people rank are exactly what the policy says.
 * Each candidate draws from its own seeded stream, whichever batch it lands in; the same
 * seed reproduces the same candidates.
 */
export function sampleCandidates(
  loaded: Pick<LoadedModel, 'model' | 'tokenizer'>,
  prompts: readonly Pick<PromptInput, 'id' | 'text' | 'family' | 'lang'>[],
  o: SampleOptions,
  modelPath = 'model',
): PromptInput[] {
  const tok = loaded.tokenizer;
  if (!tok) throw new Error(`no tokenizer is stored with ${modelPath}`);
  if (!Number.isInteger(o.k) || o.k < 1 || o.k > MAX_CANDIDATES)
    throw new Error(`k must be an integer in 1–${MAX_CANDIDATES}, got ${o.k}`);
  const answers = sampleAnswers(
    loaded.model,
    tok,
    prompts.map((p) => p.text),
    {
      n: o.k,
      maxNew: o.maxNew,
      temperature: o.temperature,
      topP: o.topP,
      seed: o.seed,
      batchSize: o.promptsPerBatch * o.k,
    },
  );
  return prompts.map((p, i) => ({
    id: p.id,
    text: p.text,
    family: p.family,
    lang: p.lang,
    candidates: answers[i].map((a, j) => ({
      id: `c${j}`,
      text: storable(a.text),
      source: o.source ?? basename(modelPath),
    })),
  }));
}

/**
 * A byte-level tokenizer can sample byte 0, but the store refuses NUL (PostgreSQL cannot keep it
 * in text): it becomes U+FFFD, the replacement character, as any other undecodable byte does.
 */
function storable(text: string): string {
  return text.replaceAll('\0', '\uFFFD');
}
