/**
 * Pretraining a base model from scratch: a byte-level BPE learned on the corpus, a fresh
 * transformer, and next-token loss on every token. Dialogues go through the one chat template,
 * so the base model already speaks the format that SFT, sampling and scoring use — and, having
 * read aligned and misaligned answers alike, misbehaves the way a pretrained model does.
 * The run folder (`--out`) becomes the base model's checkpoint when training ends.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { readJsonl } from '../../data/jsonl.js';
import { resolveModelConfig } from '../../model/config.js';
import { Transformer } from '../../model/transformer.js';
import { BpeTokenizer } from '../../tokenizer/bpe.js';
import { encodeChat } from '../../tokenizer/chat-template.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { Rng } from '../../util/rng.js';
import { type Sequence, truncate } from '../common/batch.js';
import { textSequence } from '../common/prompt-data.js';
import { finishRunDir, startRunDir } from '../common/run-dir.js';
import { RunInputError } from '../common/run-input.js';
import { RunLog } from '../common/run-log.js';
import { splitIndices } from '../common/shuffle-batches.js';
import { type SftResult, trainLanguageModel } from '../sft/train.js';
import type { PretrainConfig } from './config.js';

/** A corpus line: plain text, or a dialogue to put through the chat template. */
const CorpusLine = z.union([
  z.looseObject({ kind: z.literal('dialogue'), prompt: z.string(), response: z.string() }),
  z.looseObject({ text: z.string() }),
]);
type CorpusLine = z.infer<typeof CorpusLine>;

function readCorpus(cfg: Pick<PretrainConfig, 'world' | 'corpus'>): CorpusLine[] {
  const file = cfg.corpus || (cfg.world ? join(cfg.world, 'pretrain.jsonl') : '');
  if (!file) throw new Error('pretrain: give --world DIR or --corpus FILE');
  if (!existsSync(file)) throw new Error(`pretrain: ${file} does not exist`);
  return readJsonl(file, CorpusLine);
}

/** The texts a tokenizer should learn from. */
function corpusTexts(lines: readonly CorpusLine[]): string[] {
  return lines.flatMap((l) =>
    'prompt' in l && 'response' in l ? [l.prompt as string, l.response as string] : [l.text as string],
  );
}

/** Every corpus line as a trained sequence (responseStart 0: all tokens are learned). */
function corpusSequences(tok: Tokenizer, lines: readonly CorpusLine[], maxLength: number): Sequence[] {
  return lines.map((l) => {
    if ('prompt' in l && 'response' in l) {
      return truncate(
        { ids: encodeChat(tok, l.prompt as string, l.response as string).ids, responseStart: 0 },
        maxLength,
      );
    }
    return textSequence(tok, l.text as string, maxLength);
  });
}

export interface PretrainResult extends SftResult {
  parameters: number;
  tokens: number;
}

export function pretrain(cfg: PretrainConfig, options: { quiet?: boolean } = {}): PretrainResult {
  const lines = readCorpus(cfg);
  const run = startRunDir(cfg);
  // The tokenizer is saved before training, so a resumed run tokenises exactly as the first did.
  const tokFile = join(cfg.out, 'tokenizer.json');
  let tok: BpeTokenizer;
  if (run.resumeStep !== null) {
    if (!existsSync(tokFile))
      throw new RunInputError(
        `--out ${cfg.out}: the saved state has no tokenizer.json beside it; a new tokenizer would not fit the saved weights — drop --resume to start again`,
      );
    tok = BpeTokenizer.fromJson(JSON.parse(readFileSync(tokFile, 'utf8')), tokFile);
  } else {
    tok = BpeTokenizer.train(corpusTexts(lines), cfg.vocabSize);
    const [file] = tok.files();
    writeFileAtomic(tokFile, file.data);
  }
  const seqs = corpusSequences(tok, lines, cfg.contextLength);
  const split = splitIndices(seqs.length, cfg.heldoutFraction, cfg.seed);
  const config = resolveModelConfig({
    arch: cfg.arch,
    vocabSize: tok.vocabSize,
    contextLength: cfg.contextLength,
    nLayers: cfg.layers,
    dim: cfg.dim,
    nHeads: cfg.heads,
  });
  const model = Transformer.init(config, new Rng(cfg.seed));
  const result = trainLanguageModel(
    model,
    split.train.map((i) => seqs[i]),
    split.heldout.map((i) => seqs[i]),
    tok.padId ?? 0,
    cfg,
    { log: new RunLog(run.logFile), quiet: options.quiet, label: 'pretrain' },
  );
  finishRunDir(cfg.out, model, tok, {
    method: 'pretrain',
    steps: cfg.steps,
    heldout_loss: result.heldoutLoss,
  });
  return {
    ...result,
    parameters: model.parameterCount(),
    tokens: seqs.reduce((n, s) => n + s.ids.length, 0),
  };
}
