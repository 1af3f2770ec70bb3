/**
 * `rein sft`: supervised fine-tuning (imitation learning) of a checkpoint on demonstrations.
 * The output folder becomes a rein checkpoint, with the run's log.jsonl and train-config.json.
 */
import { z } from 'zod';
import { readDemonstrations } from '../data/demo-file.js';
import { runHelp } from '../train/common/run-args.js';
import { finishRunDir } from '../train/common/run-dir.js';
import { loadCheckpointFor, RunInputError, readInputFile } from '../train/common/run-input.js';
import { RunLog } from '../train/common/run-log.js';
import { SftConfig } from '../train/sft/config.js';
import { trainSft } from '../train/sft/train.js';
import { fitMaxLength, startRun, trainingCommand } from './training-command.js';

const Schema = SftConfig.extend({
  tokenizer: z.string().default('').describe('tokenizer file, when the checkpoint has none (llama2.c .bin)'),
});

const HELP = runHelp(
  'rein sft --data demos.jsonl --model CKPT --out DIR [options]',
  'Fine-tunes CKPT on demonstrations {"prompt","response"}, TRL\'s {"prompt","completion"} or\n' +
    '{"messages"} (lists of {role, content}: the last assistant message is learned, the messages before\n' +
    'it are its prompt), or Open Assistant trees, whose rank-0 replies are the demonstrations (loss on\n' +
    'the response tokens only, through the chat template); TRL\'s {"text"} lines are learned whole\n' +
    '(every token, no template: continued pretraining on plain text).\n' +
    'DIR becomes a rein checkpoint; --resume continues a killed run from its last save.',
  Schema,
);

/** What a file in another shape than rein's own was read as. */
const FORMAT_NOTES = {
  oasst: "Open Assistant trees (each prompt's rank-0 reply)",
  messages: "TRL's conversational {messages} (each conversation's last reply)",
  'prompt-completion': "TRL's {prompt, completion}",
  text: "TRL's language-modelling {text} (every token learned, cut at --maxLength)",
};

export const run = trainingCommand(
  { name: 'sft', schema: Schema, help: HELP, required: ['data', 'model'] },
  (cfg) => {
    const { format, demos } = readInputFile('data', cfg.data, readDemonstrations);
    const unit = format === 'text' ? 'texts' : 'demonstrations';
    if (demos.length === 0) throw new RunInputError(`--data ${cfg.data}: no ${unit} in the file`);
    if (format !== 'demos')
      console.error(`sft: ${cfg.data}: ${FORMAT_NOTES[format]}, ${demos.length} ${unit}`);
    const { model, tok } = loadCheckpointFor('model', cfg.model, cfg.tokenizer);
    fitMaxLength('sft', cfg, model.config.contextLength);
    const dir = startRun('sft', cfg);
    const result = trainSft(model, tok, demos, cfg, { log: new RunLog(dir.logFile) });
    finishRunDir(
      cfg.out,
      model,
      tok,
      { method: 'sft', from: cfg.model, config: cfg, result },
      result.lora && { lora: result.lora, base: cfg.model },
    );
    console.log(
      `sft: ${result.steps} steps on ${demos.length} ${unit}; final train loss ${result.finalTrainLoss.toFixed(4)}, held-out loss ${Number.isNaN(result.heldoutLoss) ? '—' : result.heldoutLoss.toFixed(4)} → ${cfg.out}`,
    );
  },
);
