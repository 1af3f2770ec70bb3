/**
 * `rein export`: a model rein aligned, out into the Hugging Face ecosystem (a folder that
 * `transformers` loads) or llama2.c (a `.bin` that `run.c` runs).
 */
import { existsSync } from 'node:fs';
import { type LoadedModel, loadModel } from '../model/checkpoint.js';
import { type ExportReport, exportHfFolder } from '../model/hf-export.js';
import { exportLlama2c } from '../model/llama2c-export.js';
import { CliError } from './errors.js';
import { type Command, parseCommandArgs, requiredFlag } from './flags.js';

const HELP = `usage: rein export --model PATH --format hf|llama2c --out PATH [options]

Writes a model (and its tokenizer, where that can be done exactly) in another ecosystem's format.

  --model PATH          a rein checkpoint or training-run folder, a Hugging Face folder, or a llama2.c .bin
  --tokenizer PATH      use this tokenizer instead of the one stored with the model
  --format hf           a Hugging Face folder: config.json, generation_config.json, model.safetensors,
                        tokenizer.json, tokenizer_config.json (with rein's chat template), special_tokens_map.json.
                        Load it in Python with AutoModelForCausalLM / AutoTokenizer.from_pretrained(PATH).
                        A reward or value model becomes *ForSequenceClassification (score.weight, 1 label).
  --format llama2c      a llama2.c .bin (llama models only; RoPE base 10000, RMSNorm epsilon 1e-5)
  --out PATH            the folder (hf) or file (llama2c) to write; it must not exist unless --force
  --force               replace an existing --out (the new one is swapped in whole)
  --no-tokenizer        hf: write the model without tokenizer files (needed for a llama2.c tokenizer,
                        which has no exact tokenizer.json form)
  --drop-score-bias     hf, reward/value models: export although HF's score layer has no bias
                        (the bias is recorded in config.json as rein_score_bias)
  --tokenizer-out FILE  llama2c: also write the model's llama2.c tokenizer (tokenizer.bin) to FILE

The output appears whole or not at all. rein's byte-level BPE has no llama2.c tokenizer form: with
--format llama2c only the model is written (use --format hf for the tokenizer).`;

const COMMAND: Command = { name: 'export', help: HELP };

export async function run(argv: string[]): Promise<void> {
  const parsed = parseCommandArgs(COMMAND, argv, {
    model: { type: 'string' },
    tokenizer: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean', default: false },
    'no-tokenizer': { type: 'boolean', default: false },
    'drop-score-bias': { type: 'boolean', default: false },
    'tokenizer-out': { type: 'string' },
  });
  if (!parsed) return;
  const { values } = parsed;
  const modelPath = requiredFlag(COMMAND, 'model', values.model);
  const format = requiredFlag(COMMAND, 'format', values.format);
  const out = requiredFlag(COMMAND, 'out', values.out);
  if (format !== 'hf' && format !== 'llama2c')
    throw new CliError(`export: --format must be hf or llama2c, got '${format}'`);
  const hfOnly = { 'no-tokenizer': values['no-tokenizer'], 'drop-score-bias': values['drop-score-bias'] };
  for (const [flag, set] of Object.entries(hfOnly))
    if (set && format !== 'hf') throw new CliError(`export: --${flag} applies to --format hf only`);
  if (values['tokenizer-out'] !== undefined && format !== 'llama2c')
    throw new CliError(
      'export: --tokenizer-out applies to --format llama2c only (hf folders hold their tokenizer)',
    );
  const force = values.force;
  const targets = [out, values['tokenizer-out']];
  for (const target of targets) {
    if (target !== undefined && existsSync(target) && !force)
      throw new CliError(`export: ${target} already exists; pass --force to replace it`);
  }

  let loaded: LoadedModel;
  try {
    loaded = loadModel(modelPath, values.tokenizer ?? null);
  } catch (e) {
    throw new CliError(`export: ${(e as Error).message}`);
  }
  const { model, tokenizer } = loaded;
  let report: ExportReport;
  try {
    report =
      format === 'hf'
        ? exportHfFolder(out, model, tokenizer, {
            replace: force,
            skipTokenizer: values['no-tokenizer'],
            dropScoreBias: values['drop-score-bias'],
          })
        : exportLlama2c(out, model, tokenizer, {
            replace: force,
            tokenizerOut: values['tokenizer-out'],
          });
  } catch (e) {
    throw new CliError(`export: ${(e as Error).message}`);
  }

  const c = model.config;
  const kind = model.hasScalarHead ? 'reward/value model' : 'model';
  const what = format === 'hf' ? 'a Hugging Face folder' : 'a llama2.c checkpoint';
  console.log(
    `exported the ${c.arch} ${kind} from ${modelPath} (${loaded.format} format, ${c.nLayers} layers, dim ${c.dim}, vocab ${c.vocabSize}) as ${what}: ${report.path}`,
  );
  if (format === 'hf') console.log(`  files: ${report.files.join(', ')}`);
  else for (const f of report.files) console.log(`  wrote ${f}`);
  for (const note of report.notes) console.log(`  note: ${note}`);
  if (format === 'hf' && !model.hasScalarHead) {
    console.log(
      `  python: AutoModelForCausalLM.from_pretrained(${JSON.stringify(report.path)}), AutoTokenizer.from_pretrained(…)`,
    );
  }
}
