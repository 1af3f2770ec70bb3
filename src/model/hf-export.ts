/**
 * Writes a rein model (and its tokenizer) as a Hugging Face model folder that `transformers` loads
 * with `AutoModelForCausalLM.from_pretrained(dir)` and `AutoTokenizer.from_pretrained(dir)`:
 *
 *   config.json              hf-export-config.ts
 *   generation_config.json   BOS / EOS / pad (causal LMs only)
 *   model.safetensors        float32, HF names and layouts (hf-export-weights.ts)
 *   tokenizer.json, tokenizer_config.json (with the chat template), special_tokens_map.json
 *                            tokenizer/hf-export.ts
 *
 * A reward or value model (a scalar head) becomes LlamaForSequenceClassification /
 * GPT2ForSequenceClassification with `score.weight` and one label. HF's `score` has no bias, so a
 * head whose bias is not 0 is refused unless the caller accepts the shift (`dropScoreBias`), which
 * is then recorded in config.json as `rein_score_bias`.
 *
 * The folder appears whole or not at all (util/atomic-output.ts).
 */
import { join } from 'node:path';
import { hfTokenizerFiles, TokenizerExportError } from '../tokenizer/hf-export.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { writeOutputAtomically } from '../util/atomic-output.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { hfGenerationConfig, hfModelConfig, type SpecialIds } from './hf-export-config.js';
import { hfWeights, scoreHeadBias } from './hf-export-weights.js';
import { encodeSafetensors } from './safetensors.js';
import type { Transformer } from './transformer.js';

export interface HfExportOptions {
  /** Replace an existing folder at the target (swapped in whole). Default false: refuse. */
  replace?: boolean;
  /** Write the model without tokenizer files even when the model has a tokenizer. */
  skipTokenizer?: boolean;
  /** Export a scalar head whose bias is not 0 anyway (HF scores come out shifted by −bias). */
  dropScoreBias?: boolean;
}

export interface ExportReport {
  /** The path written. */
  path: string;
  /** The files written, in order. */
  files: string[];
  /** What the export left out or changed, in words (empty when it is complete and exact). */
  notes: string[];
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** The special ids a Hugging Face config should name, from the model's tokenizer. */
export function specialIdsOf(tokenizer: Tokenizer | null): SpecialIds {
  return { bos: tokenizer?.bosId ?? null, eos: tokenizer?.eosId ?? null, pad: tokenizer?.padId ?? null };
}

export function exportHfFolder(
  out: string,
  model: Transformer,
  tokenizer: Tokenizer | null,
  options: HfExportOptions = {},
): ExportReport {
  const c = model.config;
  const weights = model.stateDict();
  const notes: string[] = [];
  const head = model.hasScalarHead ? 'score' : 'lm';

  const config = hfModelConfig(c, { ids: specialIdsOf(tokenizer), head });
  if (head === 'score') {
    const bias = scoreHeadBias(weights);
    if (bias !== 0) {
      if (!options.dropScoreBias) {
        throw new Error(
          `the model has a scalar head (a reward or value model) with bias ${bias}; Hugging Face's ${config.architectures} score layer has no bias, so every exported score would be ${bias} lower than rein's (differences between answers — rankings, preference probabilities — would be unchanged). Allow it with dropScoreBias (CLI: --drop-score-bias); config.json then records the bias as rein_score_bias`,
        );
      }
      config.rein_score_bias = bias;
      notes.push(
        `the scalar head's bias ${bias} is not in the weights (HF's score layer has none): add config.rein_score_bias to HF's logits to get rein's scores`,
      );
    }
    if (!c.tiedEmbeddings)
      notes.push('the language-model head (lm_head) is not exported: a sequence classifier has none');
  }

  let tokenizerFiles: { name: string; data: string | Uint8Array }[] = [];
  if (tokenizer === null) {
    notes.push('no tokenizer is stored with the model: the folder holds the model only');
  } else if (options.skipTokenizer) {
    notes.push('tokenizer files not written (asked to skip them)');
  } else {
    try {
      tokenizerFiles = hfTokenizerFiles(tokenizer, { modelMaxLength: c.contextLength });
    } catch (e) {
      if (e instanceof TokenizerExportError) {
        throw new TokenizerExportError(
          `${e.message} (CLI: --no-tokenizer writes the model without tokenizer files)`,
        );
      }
      throw e;
    }
  }

  const tensors = hfWeights(c, weights, { withScoreHead: head === 'score' });
  const files: string[] = [];
  const path = writeOutputAtomically(out, { kind: 'folder', replace: options.replace }, (tmp) => {
    const put = (name: string, data: string | Uint8Array) => {
      writeFileAtomic(join(tmp, name), data);
      files.push(name);
    };
    put('config.json', json(config));
    if (head === 'lm') put('generation_config.json', json(hfGenerationConfig(specialIdsOf(tokenizer))));
    // format "pt": transformers refuses safetensors files that do not say which framework wrote them
    put('model.safetensors', encodeSafetensors(tensors, { format: 'pt', writer: 'rein export' }));
    for (const f of tokenizerFiles) put(f.name, f.data);
  });
  return { path, files, notes };
}
