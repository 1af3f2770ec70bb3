/**
 * Generalized knowledge distillation (GKD, Agarwal et al. 2023): a student learns a frozen
 * teacher's next-token distribution at every answer token, by the generalized Jensen–Shannon
 * divergence of tensor/ops/divergence.ts (β = 0 forward KL, β = 1 reverse KL). What sets GKD apart
 * from distilling on a fixed set is where the answers come from: a share λ of the steps learns on
 * answers the student samples itself, so it is taught on the mistakes it actually makes (the
 * mismatch between training on given text and generating its own); the other steps learn on the
 * data's answers, or on answers the teacher samples (sequence-level KD).
 */
import type { SftExample } from '../../data/demo-file.js';
import { generate } from '../../model/generate.js';
import type { LoraAdapters } from '../../model/lora.js';
import type { Transformer } from '../../model/transformer.js';
import { clipGradNorm } from '../../optim/index.js';
import * as T from '../../tensor/index.js';
import { chatStopIds, encodeChat } from '../../tokenizer/chat-template.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import { ConfigError } from '../../util/config.js';
import { Progress } from '../../util/progress.js';
import { Rng } from '../../util/rng.js';
import { packRight, type Sequence, type SequenceBatch, truncate } from '../common/batch.js';
import { finishLora, startLora } from '../common/lora.js';
import { accumulateGradients, microBatches, passRows } from '../common/micro-batches.js';
import { textSequence } from '../common/prompt-data.js';
import { assertFinite, RunLog } from '../common/run-log.js';
import { scheduledAdamW } from '../common/scheduled-adamw.js';
import { batchIndices, splitIndices } from '../common/shuffle-batches.js';
import { meanPerTrainedToken } from '../common/token-mean.js';
import { loadTrainState, saveTrainState } from '../common/train-state.js';
import { type TrainedTokens, trainedTokenLogits, trainedTokens } from '../common/trained-tokens.js';
import type { DistillConfig } from './config.js';

/** Whose answers a step learns on. */
export type AnswerSource = 'data' | 'student' | 'teacher';

export interface DistillResult {
  steps: number;
  /** Mean divergence per answer token over the last 10 % of steps. */
  finalTrainLoss: number;
  /** Mean divergence per answer token on the held-out examples' own answers (NaN when none). */
  heldoutLoss: number;
  /** Steps on answers the student sampled. */
  onPolicySteps: number;
  /** A LoRA run's adapters, already merged into the student (for adapter.safetensors). */
  lora?: LoraAdapters;
}

/** One example: its sequence as the data gives it, and its prompt's ids when it has a prompt. */
interface Example {
  seq: Sequence;
  prompt: number[] | null;
}

// the on-policy coin gets its own stream, apart from the batches' shuffling
const SOURCE_STREAM = 0x474b4421;

/** Step `step`'s answers: the student's with probability λ, else the teacher's (seqKd) or the data's. */
export function answerSource(
  cfg: Pick<DistillConfig, 'lmbda' | 'seqKd' | 'seed'>,
  step: number,
): AnswerSource {
  if (cfg.lmbda > 0 && Rng.forStep(cfg.seed, SOURCE_STREAM, step).uniform() < cfg.lmbda) return 'student';
  return cfg.seqKd ? 'teacher' : 'data';
}

/** A packed batch with its answer tokens. */
interface AnswerPass {
  batch: SequenceBatch;
  answer: TrainedTokens;
}

const answerPass = (batch: SequenceBatch): AnswerPass => ({ batch, answer: trainedTokens(batch) });

/** Answer tokens in a pass: the divergence's mean is over them. */
const answerTokens = (pass: AnswerPass): number => pass.answer.targets.length;

/**
 * Mean divergence per answer token of one pass: the teacher's logits under noGrad (a constant),
 * the student's recording the graph, both on the answer tokens' cells only.
 */
function passDivergence(
  student: Transformer,
  teacher: Transformer,
  pass: AnswerPass,
  cfg: Pick<DistillConfig, 'beta'>,
): T.Tensor {
  const teacherLogits = T.noGrad(() => trainedTokenLogits(teacher, pass.batch, pass.answer));
  return T.generalizedJsd(trainedTokenLogits(student, pass.batch, pass.answer), teacherLogits, {
    beta: cfg.beta,
  }); // mean over tokens
}

/** Mean divergence per answer token over `seqs` (no gradients), batch by batch. */
export function heldoutDivergence(
  student: Transformer,
  teacher: Transformer,
  seqs: readonly Sequence[],
  padId: number,
  cfg: Pick<DistillConfig, 'beta'>,
  batchSize: number,
): number {
  return meanPerTrainedToken(seqs, padId, student.config.contextLength, batchSize, (batch) => {
    const pass = answerPass(batch);
    const tokens = answerTokens(pass);
    return { sum: passDivergence(student, teacher, pass, cfg).item() * tokens, tokens };
  });
}

/** The model's answers to the examples' prompts, as sequences (prompt, then the sampled answer). */
function sampledSequences(
  model: Transformer,
  tok: Tokenizer,
  prompts: readonly number[][],
  cfg: Pick<DistillConfig, 'maxNew' | 'maxLength' | 'temperature' | 'seed'>,
  step: number,
): Sequence[] {
  const longest = Math.max(...prompts.map((p) => p.length));
  const gens = generate(model, prompts, {
    maxNew: Math.max(1, Math.min(cfg.maxNew, cfg.maxLength - longest)),
    temperature: cfg.temperature,
    stopIds: chatStopIds(tok),
    seed: cfg.seed * 100_003 + step,
  });
  return prompts.map((p, i) => ({ ids: [...p, ...gens[i].ids], responseStart: p.length }));
}

/**
 * Trains `student` toward `teacher` (the same tokenizer; the teacher is never changed) — every
 * weight, or with `cfg.lora.rank` > 0 LoRA adapters, merged into the weights at the end.
 */
export function trainDistill(
  student: Transformer,
  teacher: Transformer,
  tok: Tokenizer,
  data: { examples: readonly SftExample[]; prompts?: readonly string[] },
  cfg: DistillConfig,
  options: { log?: RunLog; quiet?: boolean } = {},
): DistillResult {
  // a sampled answer needs room after its prompt: prompts are cut (oldest tokens first) to leave maxNew
  const promptRoom = Math.max(1, cfg.maxLength - cfg.maxNew);
  const promptIds = (prompt: string) => [...truncate(encodeChat(tok, prompt), promptRoom).ids];
  const examples: Example[] = data.examples.map((e) =>
    'response' in e
      ? { seq: truncate(encodeChat(tok, e.prompt, e.response), cfg.maxLength), prompt: promptIds(e.prompt) }
      : { seq: textSequence(tok, e.text, cfg.maxLength), prompt: null },
  );
  const samples = cfg.lmbda > 0 || cfg.seqKd;
  if (samples && examples.some((e) => e.prompt === null))
    throw new ConfigError(
      'texts have no prompt to sample an answer to: distil on them with --lmbda 0 and no --seqKd',
    );
  if (!samples && (data.prompts?.length ?? 0) > 0)
    throw new ConfigError(
      'prompts without answers are only answered by sampling: give --lmbda > 0 or --seqKd',
    );
  const split = splitIndices(examples.length, cfg.heldoutFraction, cfg.seed);
  const train = split.train.map((i) => examples[i]);
  const heldout = split.heldout.map((i) => examples[i].seq);
  // what the sampled steps answer: the training examples' prompts, then the prompts given alone
  const samplePrompts = [...train.map((e) => e.prompt!), ...(data.prompts ?? []).map(promptIds)];
  const padId = tok.padId ?? 0;
  const evalRows = passRows(cfg.batchSize, cfg.microBatch);

  const lora = startLora(student, cfg.lora, cfg.seed, options.quiet);
  const log = options.log ?? new RunLog(null);
  const { opt, lrAt } = scheduledAdamW(student, cfg, cfg.steps);
  const saved = cfg.resume
    ? loadTrainState<{ losses: number[]; onPolicySteps: number }>(cfg.out, [
        { name: 'model', model: student, opt },
      ])
    : null;
  const recent: number[] = saved?.extra.losses ?? [];
  let onPolicySteps = saved?.extra.onPolicySteps ?? 0;

  const progress = new Progress('distill', cfg.steps, process.stderr, options.quiet);
  for (let step = saved?.step ?? 0; step < cfg.steps; step++) {
    // 1. the step's answers: the data's, or the student's (on-policy) or the teacher's to the step's prompts
    const source = answerSource(cfg, step);
    const seqs =
      source === 'data'
        ? batchIndices(train.length, cfg.batchSize, cfg.seed, step).map((i) => train[i].seq)
        : sampledSequences(
            source === 'student' ? student : teacher,
            tok,
            batchIndices(samplePrompts.length, cfg.batchSize, cfg.seed, step).map((i) => samplePrompts[i]),
            cfg,
            step,
          );
    if (source === 'student') onPolicySteps++;
    // 2. per pass: the divergence from the teacher at every answer token, backward
    student.lora?.dropoutStep(cfg.seed, step);
    const passes = microBatches(seqs, cfg.microBatch).map((s) =>
      answerPass(packRight(s, padId, student.config.contextLength)),
    );
    const { loss } = accumulateGradients(passes, answerTokens, (pass) => ({
      loss: passDivergence(student, teacher, pass, cfg),
      result: null,
    }));
    // 3. clip and step
    const gradNorm = clipGradNorm([...student.trainableParams().values()], cfg.gradClip);
    assertFinite(step + 1, { loss, grad_norm: gradNorm }, log);
    opt.lr = lrAt(step);
    opt.step();
    opt.zeroGrad();

    recent.push(loss);
    const answerLength = seqs.reduce((n, s) => n + s.ids.length - s.responseStart, 0) / seqs.length;
    const record: Record<string, number | string> = {
      step: step + 1,
      loss,
      answers: source,
      answer_length: answerLength,
      lr: opt.lr,
      grad_norm: gradNorm,
    };
    if ((step + 1) % cfg.evalEvery === 0 || step + 1 === cfg.steps)
      record.heldout_loss = heldoutDivergence(student, teacher, heldout, padId, cfg, evalRows);
    log.write(record);
    progress.update(step + 1, `loss ${loss.toFixed(4)} (${source})`);
    if (cfg.saveEvery > 0 && (step + 1) % cfg.saveEvery === 0 && step + 1 < cfg.steps)
      saveTrainState(cfg.out, step + 1, [{ name: 'model', model: student, opt }], {
        losses: recent,
        onPolicySteps,
      });
  }
  const tail = recent.slice(-Math.max(1, Math.ceil(recent.length / 10)));
  return finishLora(student, lora, {
    steps: cfg.steps,
    finalTrainLoss: tail.length ? tail.reduce((a, b) => a + b, 0) / tail.length : Number.NaN,
    heldoutLoss: heldoutDivergence(student, teacher, heldout, padId, cfg, evalRows),
    onPolicySteps,
  });
}
