/**
 * The base model that ships with rein, so that `rein demo` starts from a pretrained model in
 * seconds instead of pretraining one for longer than every other stage together.
 *
 * It was made by `rein pretrain` on the default world's corpus (the exact command and its
 * measured figures are in `models/assistant-base/provenance.json`). A base model is only valid
 * for the corpus it read — its tokenizer and its knowledge come from it — so the demo uses it only
 * when the world it generated has a byte-identical `pretrain.jsonl`, and pretrains otherwise.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SHIPPED_BASE_DIR = fileURLToPath(new URL('../../models/assistant-base/', import.meta.url));
export const PROVENANCE_FILE = 'provenance.json';

export interface BaseProvenance {
  /** sha256 of the `pretrain.jsonl` the base was trained on. */
  corpus_sha256: string;
  /** How to make it again. */
  command: string;
  [measured: string]: unknown;
}

export function fileSha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** The shipped base's folder when it was trained on exactly `worldDir/pretrain.jsonl`, else null. */
export function shippedBaseFor(worldDir: string, baseDir = SHIPPED_BASE_DIR): string | null {
  const provenanceFile = join(baseDir, PROVENANCE_FILE);
  const corpus = join(worldDir, 'pretrain.jsonl');
  if (!existsSync(provenanceFile) || !existsSync(corpus)) return null;
  const provenance = JSON.parse(readFileSync(provenanceFile, 'utf8')) as BaseProvenance;
  return provenance.corpus_sha256 === fileSha256(corpus) ? baseDir : null;
}
