/**
 * Writes a rein llama model as a llama2.c `.bin` (the legacy float32 layout that llama2.c's
 * `run.c` and rein's own reader take; encodeLlama2cCheckpoint in llama2c-checkpoint.ts), and, when
 * the model's tokenizer is a llama2.c one, that tokenizer's `tokenizer.bin` unchanged.
 *
 * The format stores shapes only: run.c fixes the RoPE base at 10000 and the RMSNorm epsilon at
 * 1e-5, has no biases and no scalar head — a model that differs in any of these is refused rather
 * than written as a file that would run a different function. rein's byte-level BPE and Hugging
 * Face tokenizers have no llama2.c equivalent (llama2.c always adds a dummy-prefix space and has no
 * pre-tokenizer), so for them only the model is written.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { writeOutputAtomically } from '../util/atomic-output.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { ExportReport } from './hf-export.js';
import { encodeLlama2cCheckpoint } from './llama2c-checkpoint.js';
import type { Transformer } from './transformer.js';

export interface Llama2cExportOptions {
  /** Replace existing files. Default false: refuse. */
  replace?: boolean;
  /** Where to write the tokenizer (`tokenizer.bin`); only a llama2.c tokenizer can be written. */
  tokenizerOut?: string;
}

/** Why this model cannot be a llama2.c checkpoint, or null when it can. */
export function llama2cIncompatibility(model: Transformer): string | null {
  const c = model.config;
  if (c.arch !== 'llama') return `llama2.c runs only llama models, this one is '${c.arch}'`;
  if (c.bias || c.qkvBias) return "llama2.c's llama has no biases, this model has them";
  if (model.hasScalarHead) return 'llama2.c has no scalar head (this is a reward or value model)';
  if (c.ropeTheta !== 10000) return `llama2.c fixes the RoPE base at 10000, this model uses ${c.ropeTheta}`;
  if (c.ropeScaling !== null) return "llama2.c has no rope scaling, this model uses Llama 3's";
  // float32 equality: run.c computes with 1e-5f, rein with the config's value
  if (Math.fround(c.normEps) !== Math.fround(1e-5))
    return `llama2.c fixes the RMSNorm epsilon at 1e-5, this model uses ${c.normEps}`;
  return null;
}

export function exportLlama2c(
  out: string,
  model: Transformer,
  tokenizer: Tokenizer | null,
  options: Llama2cExportOptions = {},
): ExportReport {
  const why = llama2cIncompatibility(model);
  if (why !== null) throw new Error(`cannot export as llama2.c: ${why}`);
  if (options.tokenizerOut !== undefined && resolve(options.tokenizerOut) === resolve(out))
    throw new Error(
      `tokenizerOut ${options.tokenizerOut} is the model's own output file; give the tokenizer another name (tokenizer.bin)`,
    );
  const notes: string[] = [];
  let tokenizerBytes: Uint8Array | null = null;
  if (options.tokenizerOut !== undefined) {
    if (tokenizer === null)
      throw new Error('no tokenizer is stored with the model: nothing to write to tokenizerOut');
    if (tokenizer.kind !== 'llama2c') {
      throw new Error(
        `a ${tokenizer.kind} tokenizer cannot be written in llama2.c's tokenizer format faithfully (llama2.c encodes with a dummy-prefix space and no pre-tokenizer); export the model alone`,
      );
    }
    const [file] = tokenizer.files();
    tokenizerBytes = typeof file.data === 'string' ? Buffer.from(file.data, 'utf8') : file.data;
  } else if (tokenizer === null) {
    notes.push('no tokenizer is stored with the model: only the model is written');
  } else if (tokenizer.kind === 'llama2c') {
    notes.push("the model's llama2.c tokenizer was not written (CLI: --tokenizer-out FILE writes it)");
  } else {
    notes.push(
      `the model's ${tokenizer.kind} tokenizer has no llama2.c form: only the model is written (tokenize with the Hugging Face export, --format hf)`,
    );
  }
  if (tokenizer?.kind === 'llama2c' && tokenizer.vocabSize !== model.config.vocabSize) {
    notes.push(
      `the tokenizer has ${tokenizer.vocabSize} ids and the model ${model.config.vocabSize}: llama2.c's run.c expects them equal`,
    );
  }

  if (!options.replace) {
    // both checked before either is written, so a refusal leaves nothing behind
    for (const target of [out, options.tokenizerOut])
      if (target !== undefined && existsSync(target))
        throw new Error(`${target} already exists (pass the replace option to overwrite it)`);
  }
  const bytes = encodeLlama2cCheckpoint(model.config, model.stateDict());
  const files: string[] = [];
  // the tokenizer first: if it fails, no model file appears without it
  if (tokenizerBytes !== null && options.tokenizerOut !== undefined) {
    const bin = tokenizerBytes;
    files.push(
      writeOutputAtomically(options.tokenizerOut, { kind: 'file', replace: options.replace }, (tmp) =>
        writeFileAtomic(tmp, bin),
      ),
    );
  }
  const path = writeOutputAtomically(out, { kind: 'file', replace: options.replace }, (tmp) =>
    writeFileAtomic(tmp, bytes),
  );
  files.unshift(path);
  return { path, files, notes };
}
