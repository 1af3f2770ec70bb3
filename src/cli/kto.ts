/**
 * `rein kto`: Kahneman–Tversky optimisation of a checkpoint on answers marked good or bad one at a
 * time (TRL's unpaired format), or on any preference file, unpaired (no reward model, no sampling).
 * The output folder becomes a rein checkpoint, with log.jsonl and train-config.json.
 */

import { runHelp } from '../train/common/run-args.js';
import { finishRunDir } from '../train/common/run-dir.js';
import { loadCheckpointFor } from '../train/common/run-input.js';
import { RunLog } from '../train/common/run-log.js';
import { KtoConfig } from '../train/kto/config.js';
import { type KtoMetrics, metricsRecord } from '../train/kto/metrics.js';
import { trainKto } from '../train/kto/train.js';
import { weightAdvice } from '../train/kto/weight-advice.js';
import { readFeedbackExamples } from './preferences.js';
import { fitMaxLength, startRun, trainingCommand } from './training-command.js';

const HELP = runHelp(
  'rein kto --data FILE --model CKPT --out DIR [options]',
  'Trains CKPT with KTO (Ethayarajh et al. 2024) on answers judged one at a time. With\n' +
    'r = log π − log π_ref, the reference being CKPT itself, frozen, a desirable answer costs\n' +
    'λ_D·(1 − σ(β(r − z₀))) and an undesirable one λ_U·(1 − σ(β(z₀ − r))), where z₀, a KL estimate, is\n' +
    'the mean r of answers scored under prompts they were not written for (at least 0). FILE: unpaired\n' +
    "answers {prompt, completion, label} (TRL's format, strings or messages), or rankings, pairs, HH-RLHF\n" +
    'dialogues or OASST trees (.jsonl or .jsonl.gz), detected from its first line; a ranked answer is desirable when it\n' +
    'beats more answers than beat it, undesirable when fewer (a pair: chosen and rejected). Logs loss,\n' +
    'kl (z₀), the mean reward β·r of each kind and their margin; --resume continues a killed run.',
  KtoConfig,
);

/** The margin of metrics, or a dash when they lack one kind of answer. */
const marginOf = (m: KtoMetrics) => metricsRecord(m).margin?.toFixed(3) ?? '—';

export const run = trainingCommand(
  { name: 'kto', schema: KtoConfig, help: HELP, required: ['data', 'model'] },
  (cfg) => {
    const examples = readFeedbackExamples('kto', 'data', cfg.data, cfg.format);
    const desirable = examples.filter((e) => e.desirable).length;
    const advice = weightAdvice({ desirable, undesirable: examples.length - desirable }, cfg);
    if (advice) console.error(`kto: ${advice}`);
    const { model, tok } = loadCheckpointFor('model', cfg.model, cfg.tokenizer || null);
    fitMaxLength('kto', cfg, model.config.contextLength);
    const dir = startRun('kto', cfg);
    const result = trainKto(model, tok, examples, cfg, {
      log: new RunLog(dir.logFile),
      source: `--data ${cfg.data}`,
    });
    if (result.droppedExamples > 0)
      console.error(
        `kto: ${result.droppedExamples} answers left out: none of their tokens fit within --maxLength`,
      );
    finishRunDir(
      cfg.out,
      model,
      tok,
      { method: 'kto', from: cfg.model, config: cfg, result },
      result.lora && { lora: result.lora, base: cfg.model },
    );
    const t = result.finalTrain;
    const h = result.heldout;
    console.log(
      `kto: ${result.steps} steps on ${result.trainExamples} answers; train margin ${marginOf(t)}, kl ${t.kl.toFixed(3)}` +
        (result.heldoutExamples > 0
          ? `; held-out margin ${marginOf(h)}, accuracy ${h.accuracy.toFixed(3)} on ${result.heldoutExamples} answers`
          : '') +
        ` → ${cfg.out}`,
    );
  },
);
