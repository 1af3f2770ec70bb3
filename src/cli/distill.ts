/**
 * `rein distill`: generalized knowledge distillation of a teacher (an aligned policy) into a
 * student checkpoint, on the data's answers and the student's own. The output folder becomes the
 * student's checkpoint, with log.jsonl and train-config.json.
 */
import { readDemonstrations } from '../data/demo-file.js';
import { loadPrompts } from '../train/common/prompt-data.js';
import { runHelp } from '../train/common/run-args.js';
import { finishRunDir } from '../train/common/run-dir.js';
import {
  assertSameTokenizer,
  loadCheckpointFor,
  RunInputError,
  readInputFile,
} from '../train/common/run-input.js';
import { RunLog } from '../train/common/run-log.js';
import { DistillConfig } from '../train/distill/config.js';
import { trainDistill } from '../train/distill/train.js';
import { fitMaxLength, startRun, trainingCommand } from './training-command.js';

const HELP = runHelp(
  'rein distill --data FILE --teacher CKPT --model CKPT --out DIR [options]',
  "Distils TEACHER (frozen) into the student started from --model (GKD, Agarwal et al. 2023; TRL's\n" +
    "GKDTrainer): at every answer token the student learns the teacher's whole next-token\n" +
    'distribution, by the generalized Jensen–Shannon divergence β·KL(t ‖ m) + (1 − β)·KL(s ‖ m),\n' +
    'm = β·t + (1 − β)·s (β = 0: forward KL(t ‖ s), classic distillation; β = 1: reverse KL(s ‖ t)).\n' +
    "A share --lmbda of the steps learns on answers the student samples to the data's prompts\n" +
    "(on-policy: it is taught on its own mistakes); the others on the data's answers, or with --seqKd\n" +
    'on answers the teacher samples. --prompts adds prompts without answers for the sampled steps\n' +
    '(the RL prompts, say, where the demonstrations cover only some tasks). FILE: demonstrations in\n' +
    'any shape rein sft reads ({prompt, response}, {prompt, completion}, {messages}, OASST trees;\n' +
    '{text} lines with --lmbda 0). The two models may differ in size but not in tokenizer. Logs the\n' +
    'divergence per answer token (loss), whose answers each step learned on, and the held-out\n' +
    'divergence; --resume continues a killed run.',
  DistillConfig,
);

export const run = trainingCommand(
  { name: 'distill', schema: DistillConfig, help: HELP, required: ['data', 'teacher', 'model'] },
  (cfg) => {
    const { demos } = readInputFile('data', cfg.data, readDemonstrations);
    if (demos.length === 0) throw new RunInputError(`--data ${cfg.data}: no demonstrations in the file`);
    const prompts = cfg.prompts ? readInputFile('prompts', cfg.prompts, loadPrompts) : [];
    const { model: teacher, tok: teacherTok } = loadCheckpointFor('teacher', cfg.teacher);
    const { model: student, tok } = loadCheckpointFor('model', cfg.model, cfg.tokenizer);
    assertSameTokenizer(teacherTok, `--teacher ${cfg.teacher}`, tok, `--model ${cfg.model}`);
    // a model may pad its vocabulary past its tokenizer's: the two distributions must still match
    if (teacher.config.vocabSize !== student.config.vocabSize)
      throw new RunInputError(
        `--teacher ${cfg.teacher} predicts ${teacher.config.vocabSize} tokens and --model ${cfg.model} ${student.config.vocabSize}: distillation compares their distributions token by token`,
      );
    fitMaxLength('distill', cfg, Math.min(student.config.contextLength, teacher.config.contextLength));
    const dir = startRun('distill', cfg);
    const result = trainDistill(student, teacher, tok, { examples: demos, prompts }, cfg, {
      log: new RunLog(dir.logFile),
    });
    finishRunDir(
      cfg.out,
      student,
      tok,
      { method: 'distill', from: cfg.model, teacher: cfg.teacher, config: cfg, result },
      result.lora && { lora: result.lora, base: cfg.model },
    );
    const size = (m: typeof student) => `${(m.parameterCount() / 1e6).toFixed(2)} M`;
    console.log(
      `distill: ${result.steps} steps (${result.onPolicySteps} on the student's own answers), ${size(teacher)} → ${size(student)} parameters; ` +
        `final divergence ${result.finalTrainLoss.toFixed(4)}, held-out ${Number.isNaN(result.heldoutLoss) ? '—' : result.heldoutLoss.toFixed(4)} → ${cfg.out}`,
    );
  },
);
