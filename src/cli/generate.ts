/**
 * `rein generate`: sample a continuation from any model rein loads (a llama2.c `.bin` with its
 * `tok*.bin`, a Hugging Face folder, a rein checkpoint).
 */
import { parseArgs } from 'node:util';
import { loadModel } from '../model/checkpoint.js';
import { generate } from '../model/generate.js';
import { chatResponseText, chatStopIds, encodeChat } from '../tokenizer/chat-template.js';
import { decodeContinuation } from '../tokenizer/tokenizer.js';
import { CliError } from './errors.js';

const HELP = `usage: rein generate --model PATH [options]

Samples a continuation of a prompt and prints the prompt and what followed.

  --model PATH        a llama2.c .bin checkpoint, a Hugging Face model folder, or a rein checkpoint
  --tokenizer PATH    tokenizer file or folder (required for a llama2.c .bin: its tok*.bin;
                      otherwise the one stored with the model)
  --prompt TEXT       text to continue (default: empty — start from BOS)
  --chat              wrap the prompt in the chat template and stop at the end of the reply
  --max-new N         most new tokens (default 256; clamped to the context length)
  --greedy            always take the most likely token
  --temperature T     sampling temperature (default 1)
  --top-k K           sample from the K most likely tokens (default 0 = all)
  --top-p P           nucleus sampling: the most likely tokens reaching probability P (default 1 = off)
  --seed S            random seed (default 0)
  --json              last line: {"ids":[…generated ids, prompt excluded…],"text":"…"}`;

function num(
  values: Record<string, unknown>,
  name: string,
  check: (v: number) => boolean,
  what: string,
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!Number.isFinite(v) || !check(v))
    throw new CliError(`generate: --${name} must be ${what}, got '${raw}'`);
  return v;
}

export async function run(argv: string[]): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        model: { type: 'string' },
        tokenizer: { type: 'string' },
        prompt: { type: 'string', default: '' },
        chat: { type: 'boolean', default: false },
        'max-new': { type: 'string', default: '256' },
        greedy: { type: 'boolean', default: false },
        temperature: { type: 'string' },
        'top-k': { type: 'string' },
        'top-p': { type: 'string' },
        seed: { type: 'string', default: '0' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    throw new CliError(`generate: ${(e as Error).message}\n\n${HELP}`);
  }
  if (values.help) {
    console.log(HELP);
    return;
  }
  if (!values.model) throw new CliError(`generate: --model is required\n\n${HELP}`);
  const maxNew = num(values, 'max-new', (v) => Number.isInteger(v) && v >= 0, 'an integer ≥ 0')!;
  const temperature = num(values, 'temperature', (v) => v > 0, 'a number > 0');
  const topK = num(values, 'top-k', (v) => Number.isInteger(v) && v >= 0, 'an integer ≥ 0');
  const topP = num(values, 'top-p', (v) => v > 0 && v <= 1, 'in (0, 1]');
  const seed = num(values, 'seed', Number.isInteger, 'an integer')!;
  const greedy = values.greedy === true;
  if (greedy && (temperature !== undefined || topK !== undefined || topP !== undefined)) {
    throw new CliError('generate: --greedy cannot be combined with --temperature, --top-k or --top-p');
  }

  let loaded: ReturnType<typeof loadModel>;
  try {
    loaded = loadModel(values.model as string, (values.tokenizer as string | undefined) ?? null);
  } catch (e) {
    throw new CliError(`generate: ${(e as Error).message}`);
  }
  const { model, tokenizer: tok } = loaded;
  if (tok === null) {
    throw new CliError(
      `generate: no tokenizer is stored with ${values.model}; give one with --tokenizer PATH`,
    );
  }
  const promptText = values.prompt as string;
  let promptIds: number[];
  let stopIds: number[];
  if (values.chat) {
    promptIds = encodeChat(tok, promptText).ids;
    stopIds = chatStopIds(tok);
  } else {
    promptIds = [...(tok.bosId !== null ? [tok.bosId] : []), ...tok.encode(promptText)];
    if (promptIds.length === 0 && tok.eosId !== null) promptIds = [tok.eosId]; // GPT-2 starts documents after <|endoftext|>
    stopIds = [tok.eosId, tok.bosId].filter((x): x is number => x !== null);
  }
  if (promptIds.length === 0)
    throw new CliError('generate: the prompt is empty and the tokenizer has no BOS or EOS to start from');

  const t0 = performance.now();
  let out: ReturnType<typeof generate>[number];
  try {
    [out] = generate(model, [promptIds], { maxNew, greedy, temperature, topK, topP, seed, stopIds });
  } catch (e) {
    throw new CliError(`generate: ${(e as Error).message}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  const body = out.finishReason === 'stop' ? out.ids.slice(0, -1) : out.ids;
  const text = values.chat ? chatResponseText(tok, body) : decodeContinuation(tok, promptIds, body);
  if (values.json) {
    console.error(
      `${out.ids.length} tokens in ${seconds.toFixed(2)} s (${(out.ids.length / seconds).toFixed(0)} tokens/s)`,
    );
    console.log(JSON.stringify({ ids: out.ids, text }));
  } else {
    console.log(values.chat ? text : promptText + text);
    console.error(
      `\n${out.ids.length} tokens in ${seconds.toFixed(2)} s (${(out.ids.length / seconds).toFixed(0)} tokens/s)`,
    );
  }
}
