/**
 * Loaders for the public misalignment benchmarks, read where the user keeps them (rein never
 * copies them): TruthfulQA's multiple-choice task, CAA's sycophancy A/B items, XSTest's prompts
 * and its human-labelled GPT-4 completions, HarmBench's validation behaviours. Each checks what
 * its suite relies on and names the file and the item when something is off.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { readCsv } from '../../data/csv.js';
import { DataFileError } from '../../data/jsonl.js';

/** Where each file sits under the data folder (the layout of the projects' own repositories). */
export const BENCH_FILES = {
  truthfulqa: 'truthfulqa/mc_task.json',
  sycophancy: 'caa-sycophancy/test_dataset_ab.json',
  xstest: 'xstest/xstest_prompts.csv',
  xstestCompletions: 'xstest/xstest_v2_completions_gpt4.csv',
  harmbench: 'harmbench/harmbench_behaviors_text_val.csv',
} as const;

export function benchFile(dataDir: string, key: keyof typeof BENCH_FILES): string {
  return join(dataDir, BENCH_FILES[key]);
}

function readJsonFile(file: string): unknown {
  if (!existsSync(file)) throw new Error(`${file}: no such file`);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
}

/** Parses a JSON array file against `schema`; the first bad item is named by its index and field. */
function readJsonArray<S extends z.ZodType>(file: string, schema: S): z.infer<S>[] {
  const parsed = z.array(schema).safeParse(readJsonFile(file));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const [index, ...field] = issue.path;
    const where =
      index === undefined
        ? ''
        : `item ${String(index)}${field.length ? `, field '${field.join('.')}'` : ''}: `;
    throw new Error(`${file}: ${where}${issue.message}`);
  }
  return parsed.data;
}

// ---- TruthfulQA ------------------------------------------------------------------------------

export interface TruthfulQaItem {
  question: string;
  /** MC1: the choices, exactly one of them true. */
  mc1: { answers: string[]; trueIndex: number };
  /** MC2: the choices, each true (1) or false (0); at least one of each. */
  mc2: { answers: string[]; labels: (0 | 1)[] };
  /** Blank choices the file lists (MC1 and MC2 together), left out of both. */
  blankChoices?: number;
}

/**
 * TruthfulQA's `mc_task.json` lists an empty answer among the choices of 26 questions (an artefact
 * of its making, true in some, false in others). An empty answer is no claim, and it has no tokens
 * to score in the chat layout — likelihood 1, so it would beat every real choice — so it is left out.
 */
const isBlank = (answer: string) => answer.trim() === '';

const Targets = z.record(z.string(), z.union([z.literal(0), z.literal(1)]));
const McItem = z
  .object({ question: z.string().min(1), mc1_targets: Targets, mc2_targets: Targets })
  .superRefine((item, ctx) => {
    const labels = (t: Record<string, 0 | 1>) =>
      Object.entries(t)
        .filter(([a]) => !isBlank(a))
        .map(([, v]) => v);
    const trues = labels(item.mc1_targets).filter((v) => v === 1).length;
    if (trues !== 1)
      ctx.addIssue({
        code: 'custom',
        path: ['mc1_targets'],
        message: `exactly one answer must be marked 1, found ${trues} (blank answers not counted)`,
      });
    const mc2 = labels(item.mc2_targets);
    if (!mc2.includes(1) || !mc2.includes(0))
      ctx.addIssue({
        code: 'custom',
        path: ['mc2_targets'],
        message: 'needs at least one true (1) and one false (0) non-blank answer',
      });
  });

/** TruthfulQA's `mc_task.json`: {question, mc1_targets, mc2_targets}, answer text → 0 | 1. */
export function loadTruthfulQa(file: string): TruthfulQaItem[] {
  return readJsonArray(file, McItem).map((item) => {
    const all = [...Object.keys(item.mc1_targets), ...Object.keys(item.mc2_targets)];
    const mc1 = Object.entries(item.mc1_targets).filter(([a]) => !isBlank(a));
    const mc2 = Object.entries(item.mc2_targets).filter(([a]) => !isBlank(a));
    const blank = all.filter(isBlank).length;
    return {
      question: item.question,
      mc1: { answers: mc1.map(([a]) => a), trueIndex: mc1.findIndex(([, v]) => v === 1) },
      mc2: { answers: mc2.map(([a]) => a), labels: mc2.map(([, v]) => v) },
      ...(blank > 0 ? { blankChoices: blank } : {}),
    };
  });
}

// ---- CAA sycophancy ------------------------------------------------------------------------------

export interface SycophancyItem {
  /** The user's self-description, opinion and question, with the (A)/(B) choices. */
  question: string;
  /** The letter that agrees with the user, e.g. "(B)". */
  sycophantic: string;
  other: string;
}

const AbItem = z
  .object({
    question: z.string().min(1),
    // trimmed before the check: a blank answer letter would have no tokens to score
    answer_matching_behavior: z.string().trim().min(1),
    answer_not_matching_behavior: z.string().trim().min(1),
  })
  .refine((i) => i.answer_matching_behavior.trim() !== i.answer_not_matching_behavior.trim(), {
    message: 'answer_matching_behavior and answer_not_matching_behavior are the same',
  });

/** CAA's `test_dataset_ab.json`: {question, answer_matching_behavior, answer_not_matching_behavior}. */
export function loadSycophancy(file: string): SycophancyItem[] {
  return readJsonArray(file, AbItem).map((i) => ({
    question: i.question,
    sycophantic: i.answer_matching_behavior.trim(),
    other: i.answer_not_matching_behavior.trim(),
  }));
}

// ---- XSTest ------------------------------------------------------------------------------

export interface XsTestPrompt {
  id: string;
  prompt: string;
  /** Prompt type, e.g. homonyms, contrast_homonyms. */
  type: string;
  /** safe: a harmless request that looks harmful; unsafe: its harmful contrast. */
  label: 'safe' | 'unsafe';
}

function csvLabel<L extends string>(
  file: string,
  line: number,
  field: string,
  value: string,
  allowed: readonly L[],
): L {
  if (!(allowed as readonly string[]).includes(value))
    throw new DataFileError(file, line, field, `'${value}' is not one of ${allowed.join(', ')}`);
  return value as L;
}

/** XSTest's `xstest_prompts.csv` (id, prompt, type, label, focus, note). */
export function loadXsTest(file: string): XsTestPrompt[] {
  return readCsv(file, ['id', 'prompt', 'type', 'label']).rows.map(({ line, values }) => ({
    id: values.id,
    prompt: values.prompt,
    type: values.type,
    label: csvLabel(file, line, 'label', values.label, ['safe', 'unsafe'] as const),
  }));
}

export type XsTestHumanLabel = '1_full_compliance' | '2_full_refusal' | '3_partial_refusal';

export interface XsTestCompletion {
  prompt: string;
  /** Prompt type; XSTest's harmful contrasts are the `contrast_*` types. */
  type: string;
  completion: string;
  /** The annotators' final label. */
  label: XsTestHumanLabel;
}

/** XSTest's human-labelled model completions, e.g. `xstest_v2_completions_gpt4.csv`. */
export function loadXsTestCompletions(file: string): XsTestCompletion[] {
  return readCsv(file, ['prompt', 'type', 'completion', 'final_label']).rows.map(({ line, values }) => ({
    prompt: values.prompt,
    type: values.type,
    completion: values.completion,
    label: csvLabel(file, line, 'final_label', values.final_label, [
      '1_full_compliance',
      '2_full_refusal',
      '3_partial_refusal',
    ] as const),
  }));
}

// ---- HarmBench ------------------------------------------------------------------------------

export interface HarmBenchBehavior {
  id: string;
  /** standard, contextual or copyright. */
  category: string;
  semanticCategory: string;
  /** What the model is asked: the behaviour, after its context for contextual ones. */
  prompt: string;
}

/**
 * HarmBench's behaviours CSV. A contextual behaviour's context comes first, then the request,
 * separated as HarmBench's own prompt template separates them.
 */
export function loadHarmBench(file: string): HarmBenchBehavior[] {
  return readCsv(file, [
    'Behavior',
    'FunctionalCategory',
    'SemanticCategory',
    'ContextString',
    'BehaviorID',
  ]).rows.map(({ values }) => ({
    id: values.BehaviorID,
    category: values.FunctionalCategory,
    semanticCategory: values.SemanticCategory,
    prompt: values.ContextString.trim()
      ? `${values.ContextString}\n\n---\n\n${values.Behavior}`
      : values.Behavior,
  }));
}
