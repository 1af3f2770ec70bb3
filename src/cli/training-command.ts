/**
 * What every training command does around its own work: arguments through the method's config
 * schema, `--help`, the required options, a one-line error naming the command for bad input, and
 * the run folder (fresh or resumed, with its resolved config saved beside it).
 */
import type { z } from 'zod';
import type { LoraAdapters } from '../model/lora.js';
import type { Transformer } from '../model/transformer.js';
import { encodeChat } from '../tokenizer/chat-template.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import type { Sequence } from '../train/common/batch.js';
import { loadPromptRecords, loadTexts, textSequence } from '../train/common/prompt-data.js';
import { parseRunArgs, requireOptions } from '../train/common/run-args.js';
import { finishRunDir, type RunDir, startRunDir } from '../train/common/run-dir.js';
import {
  assertSameTokenizer,
  isExpectedFailure,
  loadCheckpointFor,
  RunInputError,
  readInputFile,
} from '../train/common/run-input.js';
import { ConfigError } from '../util/config.js';
import { CliError } from './errors.js';

export interface CommandSpec<S extends z.ZodType> {
  /** As the user typed it, e.g. `rm train`: every message starts with it. */
  name: string;
  schema: S;
  help: string;
  /** Options without a usable default. */
  required: readonly string[];
}

/** The command's `run(argv)`: parses, answers --help, checks, then runs `body` on the resolved config. */
export function trainingCommand<S extends z.ZodType>(
  spec: CommandSpec<S>,
  body: (cfg: z.infer<S>) => void | Promise<void>,
): (argv: string[]) => Promise<void> {
  return async (argv) => {
    try {
      const args = parseRunArgs(spec.schema, argv);
      if (args.help) {
        console.log(spec.help);
        return;
      }
      requireOptions(args.config as Record<string, unknown>, spec.required);
      await body(args.config);
    } catch (e) {
      if (isExpectedFailure(e)) throw new CliError(`${spec.name}: ${e.message}`);
      throw e;
    }
  };
}

/** Opens `cfg.out` for the run (train/common/run-dir.ts `startRunDir`) and says where a resumed run picks up. */
export function startRun(name: string, cfg: { out: string; resume: boolean }, unit = 'step'): RunDir {
  const dir = startRunDir(cfg);
  if (cfg.resume)
    console.error(
      dir.resumeStep === null
        ? `${name}: no saved state, starting at ${unit} 0`
        : `${name}: resuming after ${unit} ${dir.resumeStep}`,
    );
  if (dir.defaultsAssumed)
    console.error(
      `${name}: the saved run predates ${dir.defaultsAssumed.length === 1 ? 'a setting' : 'settings'} it now has; going on with the default${dir.defaultsAssumed.length === 1 ? '' : 's'}: ${dir.defaultsAssumed.join(', ')}`,
    );
  return dir;
}

/** A `--maxLength` past the model's context is cut to it, with a note (the config saved says what ran). */
export function fitMaxLength(name: string, cfg: { maxLength: number }, contextLength: number): void {
  if (cfg.maxLength <= contextLength) return;
  console.error(`${name}: --maxLength ${cfg.maxLength} cut to the model's context length ${contextLength}`);
  cfg.maxLength = contextLength;
}

/** The reward model checkpoint of `--option PATH`: one with a scalar head, or an input error. */
export function loadRewardModel(option: string, path: string): ReturnType<typeof loadCheckpointFor> {
  const ck = loadCheckpointFor(option, path);
  if (!ck.model.hasScalarHead)
    throw new RunInputError(
      `--${option} ${path}: not a reward model (no scalar head; train one with rein rm train)`,
    );
  return ck;
}

/**
 * What a command that samples answers and rewards them (ppo, grpo, bon) reads, checked before its
 * output is touched.
 */
export interface RlInputs {
  prompts: string[];
  /** Each prompt's whole line, for a reward function that reads its other fields. */
  promptRecords: Record<string, unknown>[];
  policy: Transformer;
  tok: Tokenizer;
  /** The reward model of `--rm`; null without one (a reward function rewards instead). */
  rewardModel: Transformer | null;
  /** PPO-ptx texts as pretraining sequences (empty without --ptxData). */
  ptx: Sequence[];
}

export interface RlInputOptions {
  prompts: string;
  policy: string;
  rm: string;
  /** PPO-ptx's options: absent for a command without it (bon). */
  ptxData?: string;
  ptxCoef?: number;
}

/**
 * Reads `--prompts`, `--policy`, `--rm` (empty: no reward model) and `--ptxData`: the PPO-ptx
 * options come together, policy and RM share a tokenizer, and every prompt leaves room for an answer.
 */
export function loadRlInputs(cfg: RlInputOptions): RlInputs {
  const { ptxData = '', ptxCoef = 0 } = cfg;
  if (ptxData && ptxCoef === 0)
    throw new ConfigError(
      '--ptxData needs --ptxCoef > 0 (the weight of its log-likelihood; InstructGPT: 27.8)',
    );
  if (!ptxData && ptxCoef > 0) throw new ConfigError('--ptxCoef needs --ptxData (plain texts {"text"})');
  const lines = readInputFile('prompts', cfg.prompts, loadPromptRecords);
  if (lines.length === 0) throw new RunInputError(`--prompts ${cfg.prompts}: no prompts in the file`);
  const prompts = lines.map((l) => l.prompt);
  const ptxTexts = ptxData ? readInputFile('ptxData', ptxData, loadTexts) : [];
  const { model: policy, tok } = loadCheckpointFor('policy', cfg.policy);
  const rmCk = cfg.rm ? loadRewardModel('rm', cfg.rm) : null;
  if (rmCk) assertSameTokenizer(tok, `--policy ${cfg.policy}`, rmCk.tok, `--rm ${cfg.rm}`);
  const context = Math.min(
    policy.config.contextLength,
    rmCk?.model.config.contextLength ?? Number.POSITIVE_INFINITY,
  );
  prompts.forEach((p, i) => {
    const len = encodeChat(tok, p).ids.length;
    if (len >= context)
      throw new RunInputError(
        `--prompts ${cfg.prompts}: prompt ${i + 1} is ${len} tokens, leaving no room for a response in the context of ${context}`,
      );
  });
  const ptx = ptxTexts.map((t) => textSequence(tok, t, policy.config.contextLength));
  return {
    prompts,
    promptRecords: lines.map((l) => l.record),
    policy,
    tok,
    rewardModel: rmCk?.model ?? null,
    ptx,
  };
}

/**
 * The frozen reference of an RL run: a copy of the SFT policy, or none with LoRA, whose policy with
 * its adapters switched off is that model (no second copy of the weights).
 */
export function rlReference(policy: Transformer, cfg: { lora: { rank: number } }): Transformer | null {
  return cfg.lora.rank > 0 ? null : policy.clone();
}

/**
 * Makes an RL run's `--out` the trained policy's checkpoint: its method, starting checkpoint, reward
 * model, config and last iteration in the meta, and a LoRA run's adapter beside it.
 */
export function finishRlRun(
  method: string,
  cfg: { out: string; policy: string; rm: string },
  policy: Transformer,
  tok: Tokenizer,
  history: readonly unknown[] & { lora?: LoraAdapters },
): void {
  const meta = { method, from: cfg.policy, rm: cfg.rm, config: cfg, final: history[history.length - 1] };
  finishRunDir(cfg.out, policy, tok, meta, history.lora && { lora: history.lora, base: cfg.policy });
}
