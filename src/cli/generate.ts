/**
 * `rein generate`: sample a continuation from any model rein loads (a llama2.c `.bin` with its
 * `tok*.bin`, a Hugging Face folder, a rein checkpoint), or with --chat a reply — to one prompt, or
 * to each question of a session on stdin.
 */
import { createInterface } from 'node:readline';
import { renderTurns, type Turn } from '../data/conversation.js';
import { loadModel } from '../model/checkpoint.js';
import { generate } from '../model/generate.js';
import {
  type ChatStyle,
  chatResponseText,
  chatStopIds,
  chatStyle,
  encodeChat,
} from '../tokenizer/chat-template.js';
import { decodeContinuation } from '../tokenizer/tokenizer.js';
import { CliError } from './errors.js';
import {
  type Command,
  integerFlag,
  parseCommandArgs,
  positiveFlag,
  probabilityFlag,
  requiredFlag,
} from './flags.js';

const HELP = `usage: rein generate --model PATH [options]

Samples a continuation of a prompt and prints the prompt and what followed.

  --model PATH        a llama2.c .bin checkpoint, a Hugging Face model folder, or a rein checkpoint
  --tokenizer PATH    tokenizer file or folder (required for a llama2.c .bin: its tok*.bin;
                      otherwise the one stored with the model)
  --prompt TEXT       text to continue (default: empty — start from BOS)
  --chat              wrap the prompt in the chat template and stop at the end of the reply;
                      without --prompt, a chat: one question per line of stdin, each answered
                      on its own (question i samples with seed + i; with --json, one
                      {"prompt","ids","text"} line per answer)
  --history           in a chat, each question comes with the conversation so far, written as
                      "User: …" / "Assistant: …" paragraphs (how rein reads multi-turn training
                      data); the oldest exchanges go first when it outgrows the context (--json
                      lines then say how many earlier exchanges each answer saw)
  --system TEXT       with --chat, a system message before the conversation (the model's own
                      chat template's system turn where it has one, else "System: …")
  --max-new N         most new tokens (default 256; clamped to the context length)
  --greedy            always take the most likely token
  --temperature T     sampling temperature (default 1)
  --top-k K           sample from the K most likely tokens (default 0 = all)
  --top-p P           nucleus sampling: the most likely tokens reaching probability P (default 1 = off)
  --seed S            random seed (default 0)
  --json              last line: {"ids":[…generated ids, prompt excluded…],"text":"…"}`;

const COMMAND: Command = { name: 'generate', help: HELP };

const CHAT_LAYOUTS: Record<ChatStyle, string> = {
  rein: "rein's chat tokens, <|user|> … <|assistant|> … <|end|>",
  template: "the model's own chat template (its tokenizer_config.json)",
  plain: 'plain text, "User: …\nAssistant:" (the tokenizer brings no chat template)',
};

export async function run(argv: string[], input: NodeJS.ReadableStream = process.stdin): Promise<void> {
  const parsed = parseCommandArgs(COMMAND, argv, {
    model: { type: 'string' },
    tokenizer: { type: 'string' },
    prompt: { type: 'string' },
    chat: { type: 'boolean', default: false },
    history: { type: 'boolean', default: false },
    system: { type: 'string' },
    'max-new': { type: 'string', default: '256' },
    greedy: { type: 'boolean', default: false },
    temperature: { type: 'string' },
    'top-k': { type: 'string' },
    'top-p': { type: 'string' },
    seed: { type: 'string', default: '0' },
    json: { type: 'boolean', default: false },
  });
  if (!parsed) return;
  const { values } = parsed;
  const modelPath = requiredFlag(COMMAND, 'model', values.model);
  const maxNew = integerFlag(COMMAND.name, 'max-new', values['max-new'], 0);
  // the sampling flags left out stay undefined: generate() then uses its own defaults
  const temperature =
    values.temperature === undefined
      ? undefined
      : positiveFlag(COMMAND.name, 'temperature', values.temperature);
  const topK =
    values['top-k'] === undefined ? undefined : integerFlag(COMMAND.name, 'top-k', values['top-k'], 0);
  const topP =
    values['top-p'] === undefined ? undefined : probabilityFlag(COMMAND.name, 'top-p', values['top-p']);
  const seed = integerFlag(COMMAND.name, 'seed', values.seed);
  const greedy = values.greedy === true;
  if (greedy && (temperature !== undefined || topK !== undefined || topP !== undefined)) {
    throw new CliError('generate: --greedy cannot be combined with --temperature, --top-k or --top-p');
  }

  let loaded: ReturnType<typeof loadModel>;
  try {
    loaded = loadModel(modelPath, values.tokenizer ?? null);
  } catch (e) {
    throw new CliError(`generate: ${(e as Error).message}`);
  }
  const { model, tokenizer: tok } = loaded;
  if (tok === null) {
    throw new CliError(`generate: no tokenizer is stored with ${modelPath}; give one with --tokenizer PATH`);
  }
  const sampling = { maxNew, greedy, temperature, topK, topP };
  const chat = values.chat === true;
  if (!chat && (values.history || values.system !== undefined))
    throw new CliError('generate: --history and --system need --chat');
  // which layout the prompt is wrapped in, so a model tuned on its own template can be seen to get it
  if (chat) console.error(`chat layout: ${CHAT_LAYOUTS[chatStyle(tok)]}`);
  if (values.history && values.prompt !== undefined)
    throw new CliError('generate: --history is for a chat on stdin (leave out --prompt)');
  /**
   * A chat's prompt: the turns before the reply. A model's own chat template takes a system message
   * as its own turn; otherwise the turns are written into the one user message (renderTurns).
   */
  const chatPromptIds = (turns: readonly Turn[]) => {
    const [first, ...rest] = turns;
    if (chatStyle(tok) === 'template' && first?.role === 'system')
      return encodeChat(tok, renderTurns(rest), undefined, { system: first.text }).ids;
    return encodeChat(tok, renderTurns(turns)).ids;
  };
  /** One prompt's continuation (a reply, with --chat: the prompt is then the turns) and how long it took. */
  const complete = (prompt: string | readonly Turn[], turnSeed: number) => {
    let promptIds: number[];
    let stopIds: number[];
    if (typeof prompt !== 'string') {
      promptIds = chatPromptIds(prompt);
      stopIds = chatStopIds(tok);
    } else {
      promptIds = [...(tok.bosId !== null ? [tok.bosId] : []), ...tok.encode(prompt)];
      if (promptIds.length === 0 && tok.eosId !== null) promptIds = [tok.eosId]; // GPT-2 starts documents after <|endoftext|>
      stopIds = [tok.eosId, tok.bosId].filter((x): x is number => x !== null);
    }
    if (promptIds.length === 0)
      throw new CliError('generate: the prompt is empty and the tokenizer has no BOS or EOS to start from');
    const t0 = performance.now();
    let out: ReturnType<typeof generate>[number];
    try {
      [out] = generate(model, [promptIds], { ...sampling, seed: turnSeed, stopIds });
    } catch (e) {
      throw new CliError(`generate: ${(e as Error).message}`);
    }
    const seconds = (performance.now() - t0) / 1000;
    const body = out.finishReason === 'stop' ? out.ids.slice(0, -1) : out.ids;
    const text = chat ? chatResponseText(tok, body) : decodeContinuation(tok, promptIds, body);
    return {
      ids: out.ids,
      text,
      speed: `${out.ids.length} tokens in ${seconds.toFixed(2)} s (${(out.ids.length / seconds).toFixed(0)} tokens/s)`,
    };
  };

  const system: Turn[] = values.system === undefined ? [] : [{ role: 'system', text: values.system }];
  if (chat && values.prompt === undefined) {
    const room = model.config.contextLength - Math.min(maxNew, Math.floor(model.config.contextLength / 2));
    const fits = (turns: readonly Turn[]) => chatPromptIds(turns).length <= room;
    await chatSession(input, complete, {
      seed,
      json: values.json === true,
      history: values.history === true,
      system,
      fits,
    });
    return;
  }
  const promptText = values.prompt ?? '';
  const out = complete(chat ? [...system, { role: 'user', text: promptText }] : promptText, seed);
  if (values.json) {
    console.error(out.speed);
    console.log(JSON.stringify({ ids: out.ids, text: out.text }));
  } else {
    console.log(chat ? out.text : promptText + out.text);
    console.error(`\n${out.speed}`);
  }
}

/**
 * --chat without --prompt: one question per line of `input` (a terminal, or a file piped in).
 * Question i (from 0) samples with seed + i; --json prints {prompt, ids, text} per line. Each
 * question is answered on its own, or with `history` after the conversation so far, as one prompt
 * written out turn by turn (conversation.ts renderTurns: the chat template holds one exchange);
 * exchanges are dropped oldest first until the prompt `fits` the context with room for a reply.
 */
async function chatSession(
  input: NodeJS.ReadableStream,
  complete: (turns: readonly Turn[], seed: number) => { ids: number[]; text: string; speed: string },
  o: {
    seed: number;
    json: boolean;
    history: boolean;
    system: Turn[];
    fits: (turns: readonly Turn[]) => boolean;
  },
): Promise<void> {
  const interactive = (input as { isTTY?: boolean }).isTTY === true;
  if (interactive)
    console.error(
      `one question per line; ${o.history ? 'each is answered after the conversation so far' : 'each is answered on its own'} (Ctrl-D ends)`,
    );
  const lines = createInterface({ input, terminal: false });
  let turn = 0;
  let past: Turn[] = [];
  if (interactive) process.stderr.write('> ');
  for await (const line of lines) {
    const prompt = line.trim();
    if (prompt !== '') {
      const question: Turn = { role: 'user', text: prompt };
      while (past.length > 0 && !o.fits([...o.system, ...past, question])) past = past.slice(2);
      const out = complete([...o.system, ...past, question], o.seed + turn++);
      // with history, the JSON line says how many earlier exchanges the answer saw
      const seen = o.history ? { earlier_exchanges: past.length / 2 } : {};
      if (o.history) past.push(question, { role: 'assistant', text: out.text });
      console.log(o.json ? JSON.stringify({ prompt, ids: out.ids, text: out.text, ...seen }) : out.text);
    }
    if (interactive) process.stderr.write('> ');
  }
}
