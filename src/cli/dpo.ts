/**
 * `rein dpo`: direct preference optimisation of a checkpoint on rankings or pairs (no reward model,
 * no sampling), or its reference-free relatives SimPO and ORPO. The output folder becomes a rein
 * checkpoint, with log.jsonl and train-config.json.
 */

import { runHelp } from '../train/common/run-args.js';
import { finishRunDir } from '../train/common/run-dir.js';
import { loadCheckpointFor } from '../train/common/run-input.js';
import { RunLog } from '../train/common/run-log.js';
import { DpoConfig } from '../train/dpo/config.js';
import { trainDpo } from '../train/dpo/train.js';
import { marginCount, readPreferences } from './preferences.js';
import { fitMaxLength, startRun, trainingCommand } from './training-command.js';

const HELP = runHelp(
  'rein dpo --data FILE --model CKPT --out DIR [options]',
  'Trains CKPT with DPO: −log σ(β[(log π − log π_ref)(chosen) − (log π − log π_ref)(rejected)]), the\n' +
    'reference being CKPT itself, frozen. FILE: rankings (every pair of a ranking), pairs\n' +
    "{prompt, chosen, rejected} (strings or TRL's conversational messages), HH-RLHF dialogues or OASST\n" +
    'trees (.jsonl or .jsonl.gz), detected from its first line. --labelSmoothing ε assumes that share\n' +
    'of preferences flipped (conservative DPO); --lossType robust corrects for it instead, unbiased\n' +
    '(rDPO). --lossType ipo regresses the log-ratio difference to 1/(2β) (IPO); hinge takes\n' +
    "max(0, 1 − βh) (SLiC). --rpoAlpha α adds α times the chosen answers' per-token NLL to any of\n" +
    'these (RPO). Three losses need no reference (none is run): --lossType simpo rewards\n' +
    'β·(mean token log-prob) and asks the chosen answer to win by --simpoGamma (SimPO; β defaults to\n' +
    '2); --lossType orpo adds λ = β times an odds-ratio loss to the SFT loss of the chosen answer\n' +
    "(ORPO); --lossType cpo is DPO's loss on the log-likelihoods alone plus --cpoAlpha (1) times the\n" +
    "chosen answers' per-token NLL (CPO). Logs loss, mean margin and accuracy under each loss's own\n" +
    "reward (ORPO's: log odds; also sft_loss, odds_ratio_loss; RPO's dpo_loss, nll_loss; CPO's\n" +
    'preference_loss, nll_loss); --resume continues a killed run.',
  DpoConfig,
);

export const run = trainingCommand(
  { name: 'dpo', schema: DpoConfig, help: HELP, required: ['data', 'model'] },
  (cfg) => {
    const data = readPreferences('dpo', 'data', cfg.data, cfg.format);
    if (marginCount(data) > 0)
      console.error(
        "dpo: the pairs' margins are not used (the reward model's loss reads them: rein rm train)",
      );
    const { model, tok } = loadCheckpointFor('model', cfg.model, cfg.tokenizer || null);
    fitMaxLength('dpo', cfg, model.config.contextLength);
    const dir = startRun('dpo', cfg);
    const result = trainDpo(model, tok, data, cfg, { log: new RunLog(dir.logFile) });
    if (result.droppedPairs > 0)
      console.error(`dpo: ${result.droppedPairs} pairs left out: an answer had no token within --maxLength`);
    finishRunDir(
      cfg.out,
      model,
      tok,
      { method: 'dpo', from: cfg.model, config: cfg, result },
      result.lora && { lora: result.lora, base: cfg.model },
    );
    const h = result.heldout;
    console.log(
      `dpo: ${result.steps} steps on ${result.trainPairs} pairs; train margin ${result.finalTrain.margin.toFixed(3)}, accuracy ${result.finalTrain.accuracy.toFixed(3)}` +
        (result.heldoutPairs > 0
          ? `; held-out margin ${h.margin.toFixed(3)}, accuracy ${h.accuracy.toFixed(3)} on ${result.heldoutPairs} pairs`
          : '') +
        ` → ${cfg.out}`,
    );
  },
);
