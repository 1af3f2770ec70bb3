/**
 * `rein dpo`: direct preference optimisation of a checkpoint on rankings or pairs (no reward model,
 * no sampling). The output folder becomes a rein checkpoint, with log.jsonl and train-config.json.
 */

import { loadPreferenceData, requirePairs } from '../train/common/preference-data.js';
import { parseRunArgs, requireOptions, runHelp } from '../train/common/run-args.js';
import { finishRunDir, openRunDir, saveRunConfig } from '../train/common/run-dir.js';
import {
  isExpectedFailure,
  loadCheckpointFor,
  RunInputError,
  readInputFile,
} from '../train/common/run-input.js';
import { RunLog } from '../train/common/run-log.js';
import { DpoConfig } from '../train/dpo/config.js';
import { trainDpo } from '../train/dpo/train.js';
import { CliError } from './errors.js';

const HELP = runHelp(
  'rein dpo --data FILE --model CKPT --out DIR [options]',
  'Trains CKPT with DPO: −log σ(β[(log π − log π_ref)(chosen) − (log π − log π_ref)(rejected)]), the\n' +
    'reference being CKPT itself, frozen. FILE: rankings (every pair of a ranking), pairs\n' +
    '{prompt, chosen, rejected}, HH-RLHF dialogues or OASST trees (.jsonl or .jsonl.gz), detected from\n' +
    'its first line. Logs loss, mean margin and reward accuracy; --resume continues a killed run.',
  DpoConfig,
);

export async function run(argv: string[]): Promise<void> {
  try {
    runDpo(argv);
  } catch (e) {
    if (isExpectedFailure(e)) throw new CliError(`dpo: ${e.message}`);
    throw e;
  }
}

function runDpo(argv: string[]): void {
  const args = parseRunArgs(DpoConfig, argv);
  if (args.help) {
    console.log(HELP);
    return;
  }
  const cfg = args.config;
  requireOptions(cfg, ['data', 'model']);
  const prefs = readInputFile('data', cfg.data, (f) => loadPreferenceData(f, cfg.format));
  const pairs = prefs.data.reduce((n, d) => n + d.pairs.length, 0);
  if (pairs === 0)
    throw new RunInputError(`--data ${cfg.data}: no preference pairs (format ${prefs.format})`);
  console.error(
    `dpo: ${cfg.data}: ${prefs.format}, ${prefs.data.length} prompts, ${pairs} pairs${prefs.skipped.length ? ` (${prefs.skipped.length} lines skipped)` : ''}`,
  );
  const { model, tok } = loadCheckpointFor('model', cfg.model, cfg.tokenizer || null);
  if (cfg.maxLength > model.config.contextLength) {
    console.error(
      `dpo: --maxLength ${cfg.maxLength} cut to the model's context length ${model.config.contextLength}`,
    );
    cfg.maxLength = model.config.contextLength;
  }
  const data = requirePairs(prefs);
  const dir = openRunDir(cfg.out, cfg.resume);
  saveRunConfig(cfg.out, cfg);
  if (cfg.resume)
    console.error(
      dir.resumeStep === null
        ? 'dpo: no saved state, starting at step 0'
        : `dpo: resuming after step ${dir.resumeStep}`,
    );
  const result = trainDpo(model, tok, data, cfg, { log: new RunLog(dir.logFile) });
  if (result.droppedPairs > 0)
    console.error(`dpo: ${result.droppedPairs} pairs left out: an answer had no token within --maxLength`);
  finishRunDir(cfg.out, model, tok, { method: 'dpo', from: cfg.model, config: cfg, result });
  const h = result.heldout;
  console.log(
    `dpo: ${result.steps} steps on ${result.trainPairs} pairs; train margin ${result.finalTrain.margin.toFixed(3)}, accuracy ${result.finalTrain.accuracy.toFixed(3)}` +
      (result.heldoutPairs > 0
        ? `; held-out margin ${h.margin.toFixed(3)}, accuracy ${h.accuracy.toFixed(3)} on ${result.heldoutPairs} pairs`
        : '') +
      ` → ${cfg.out}`,
  );
}
