/**
 * `rein bench <workload>`: performance benchmarks that print JSON, compared side by side with
 * the PyTorch peer baseline (shared/bench/torch_reference.py) in the same command.
 *
 * Workloads are a table, like the commands: `train` lives here; `generate` (sampling with a KV
 * cache) is added as one more entry.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { trainStepFlops } from '../bench/flops.js';
import { benchGenerate, type GenerateBenchOptions, PROMPT_TOKENS } from '../bench/generate.js';
import { checkTorch, runTorchReference, type TorchResult } from '../bench/torch.js';
import { benchTrain, type TrainBenchOptions } from '../bench/train.js';
import { getBackend } from '../kernels/index.js';
import { measureFmaPeakGflops, nativeInfo, setNativeThreads } from '../kernels/native/index.js';
import { CliError } from './errors.js';

interface Workload {
  summary: string;
  run(argv: string[]): Promise<void>;
}

const workloads: Record<string, Workload> = {
  train: { summary: 'one AdamW training step of a transformer on random tokens', run: runTrain },
  generate: { summary: 'batched sampling with a KV cache (tokens/s)', run: runGenerate },
  feedback: {
    summary: 'concurrent labelers submitting rankings to rein serve; --kill: SIGKILL + restart, nothing lost',
    run: async (argv) => (await import('./feedback.js')).runBench(argv),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(workloads).map((n) => n.length));
  return [
    'usage: rein bench <workload> [options]',
    '',
    'workloads:',
    ...Object.entries(workloads).map(([n, w]) => `  ${n.padEnd(width)}  ${w.summary}`),
    '',
    'rein bench <workload> --help shows its options.',
  ].join('\n');
}

export async function run(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(usage());
    return;
  }
  const w = workloads[name];
  if (!w) throw new CliError(`bench: unknown workload '${name}'\n\n${usage()}`);
  await w.run(rest);
}

const TRAIN_HELP = `usage: rein bench train [options]

The workload of shared/bench/torch_reference.py train, on rein: a transformer of the given shape,
random tokens, forward + cross-entropy + backward + one AdamW step; prints the median ms/step of
the steps after warm-up. The last line is one JSON object:
  {"workload":"train","arch",…,"rein_ms_per_step","torch_ms_per_step","speedup","gflops","mfu",…}
speedup = torch_ms / rein_ms (above 1: rein is faster). gflops counts model FLOPs (6 per matmul
weight per token + attention, PaLM's MFU convention); mfu divides them by the measured FMA peak of
this machine at the same thread count (independent vector-FMA chains on every thread, the
fastest of many half-millisecond bursts).

options (defaults: the reference GPT workload):
  --arch gpt|llama     model style (gpt)
  --vocab N            vocabulary (512)
  --ctx N              sequence length T (128)
  --layers N           blocks (4)
  --dim N              width C (256)
  --heads N            attention heads (4)
  --kv-heads N         KV heads, 0 = heads (0)
  --hidden N           MLP width, 0 = 4·dim (gpt) or 8/3·dim rounded to 32 (llama) (0)
  --batch N            sequences per step (8)
  --steps N            timed steps (12)
  --warmup N           untimed steps first (2)
  --threads N          OpenBLAS + OpenMP threads, both sides (2)
  --seed N             weights and tokens (0)
  --rounds N           rein-then-torch rounds; each side reports its best median (1)
  --vs-torch           also run the PyTorch reference in the same command
  --profile            print the time per kernel (the top ops of a step)

For numbers comparable with the reference's AVX-512 figures, unset OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE for the benchmark command (both sides inherit the same environment).`;

function intFlag(values: Record<string, unknown>, name: string, min: number): number {
  const raw = values[name] as string;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min)
    throw new CliError(`bench train: --${name} must be an integer ≥ ${min}, got '${raw}'`);
  return v;
}

async function runTrain(argv: string[]): Promise<void> {
  let parsed: ReturnType<typeof parseTrainArgs>;
  try {
    parsed = parseTrainArgs(argv);
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`bench train: ${(err as Error).message}\n\n${TRAIN_HELP}`);
  }
  const { values } = parsed;
  if (values.help) {
    console.log(TRAIN_HELP);
    return;
  }
  const arch = values.arch as string;
  if (arch !== 'gpt' && arch !== 'llama')
    throw new CliError(`bench train: --arch must be gpt or llama, got '${arch}'`);
  const o: TrainBenchOptions = {
    arch,
    vocab: intFlag(values, 'vocab', 1),
    ctx: intFlag(values, 'ctx', 1),
    layers: intFlag(values, 'layers', 1),
    dim: intFlag(values, 'dim', 1),
    heads: intFlag(values, 'heads', 1),
    kvHeads: intFlag(values, 'kv-heads', 0),
    hidden: intFlag(values, 'hidden', 0),
    batch: intFlag(values, 'batch', 1),
    steps: intFlag(values, 'steps', 1),
    warmup: intFlag(values, 'warmup', 0),
    seed: intFlag(values, 'seed', 0),
    profile: values.profile === true,
  };
  const threads = intFlag(values, 'threads', 1);
  const rounds = intFlag(values, 'rounds', 1);
  const vsTorch = values['vs-torch'] === true;
  if (vsTorch) {
    try {
      checkTorch();
    } catch (err) {
      throw new CliError((err as Error).message);
    }
  }

  const backend = getBackend();
  let peak: number | null = null;
  if (backend.name === 'native') {
    setNativeThreads(threads);
    const info = nativeInfo();
    console.log(
      `rein: native kernels, OpenBLAS core ${info.blasCore} (${info.blasOpenmp ? 'OpenMP' : 'pthreads'} build), ${info.threads} threads`,
    );
    peak = measureFmaPeakGflops(threads, 0.3);
    console.log(`machine: measured FMA peak ${peak.toFixed(0)} GFLOPS on ${threads} threads`);
  } else {
    console.log(`rein: ${backend.name} kernels (no measured peak: mfu is null)`);
  }
  const loadBefore = os.loadavg()[0];
  console.log(
    `load average ${loadBefore.toFixed(2)} on ${os.cpus().length} cores (timings are only comparable on a quiet machine)`,
  );
  for (const v of ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE']) {
    if (process.env[v] !== undefined)
      console.log(`note: ${v}=${process.env[v]} is set (both sides run with it)`);
  }

  const torchArgs = [
    'train',
    '--arch',
    o.arch,
    '--vocab',
    String(o.vocab),
    '--ctx',
    String(o.ctx),
    '--layers',
    String(o.layers),
    '--dim',
    String(o.dim),
    '--heads',
    String(o.heads),
    '--kv-heads',
    String(o.kvHeads),
    '--hidden',
    String(o.hidden),
    '--batch',
    String(o.batch),
    '--steps',
    String(o.steps),
    '--warmup',
    String(o.warmup),
    '--threads',
    String(threads),
    '--seed',
    String(o.seed),
  ];
  process.env.OMP_NUM_THREADS = String(threads);
  process.env.OPENBLAS_NUM_THREADS = String(threads);

  const reinMs: number[] = [];
  const torchMs: number[] = [];
  let params = 0;
  let flops = 0;
  let profile: string | null = null;
  for (let r = 0; r < rounds; r++) {
    const res = benchTrain({ ...o, profile: o.profile && r === rounds - 1 });
    params = res.params;
    flops = trainStepFlops(res.config, o.batch, o.ctx);
    reinMs.push(res.msPerStep);
    if (res.profile !== null) profile = res.profile;
    let line = `round ${r + 1}/${rounds}: rein ${res.msPerStep.toFixed(2)} ms/step (loss ${res.firstLoss.toFixed(3)} → ${res.lastLoss.toFixed(3)})`;
    if (vsTorch) {
      let t: TorchResult;
      try {
        t = runTorchReference(torchArgs);
      } catch (err) {
        throw new CliError((err as Error).message);
      }
      if (t.ms_per_step === undefined) throw new CliError('torch reference: no ms_per_step in its output');
      torchMs.push(t.ms_per_step);
      line += `, ${t.engine} ${t.ms_per_step.toFixed(2)} ms/step (${t.params} params, rein ${params})`;
    }
    console.log(line);
  }
  if (profile !== null) console.log(profile);

  const rein = Math.min(...reinMs);
  const torch = vsTorch ? Math.min(...torchMs) : null;
  const gflops = flops / (rein / 1000) / 1e9;
  const out = {
    workload: 'train',
    arch: o.arch,
    rein_ms_per_step: round(rein, 2),
    torch_ms_per_step: torch === null ? null : round(torch, 2),
    speedup: torch === null ? null : round(torch / rein, 3),
    gflops: Number(gflops.toPrecision(4)),
    mfu: peak === null ? null : Number((gflops / peak).toPrecision(3)),
    peak_gflops: peak === null ? null : round(peak, 0),
    loadavg: [round(loadBefore, 2), round(os.loadavg()[0], 2)],
    backend: backend.name,
    threads,
    params,
    tokens_per_s: Math.round((o.batch * o.ctx) / (rein / 1000)),
    rounds: reinMs.map((ms, i) => ({
      rein_ms: round(ms, 2),
      torch_ms: vsTorch ? round(torchMs[i], 2) : null,
    })),
  };
  console.log(JSON.stringify(out));
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function parseTrainArgs(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      arch: { type: 'string', default: 'gpt' },
      vocab: { type: 'string', default: '512' },
      ctx: { type: 'string', default: '128' },
      layers: { type: 'string', default: '4' },
      dim: { type: 'string', default: '256' },
      heads: { type: 'string', default: '4' },
      'kv-heads': { type: 'string', default: '0' },
      hidden: { type: 'string', default: '0' },
      batch: { type: 'string', default: '8' },
      steps: { type: 'string', default: '12' },
      warmup: { type: 'string', default: '2' },
      threads: { type: 'string', default: '2' },
      seed: { type: 'string', default: '0' },
      rounds: { type: 'string', default: '1' },
      'vs-torch': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

// ---------------------------------------------------------------- generate (models engineer)

const GENERATE_HELP = `usage: rein bench generate [options]

The workload of shared/bench/torch_reference.py generate, on rein: \`batch\` random prompts of
${PROMPT_TOKENS} tokens, \`new\` tokens sampled per row (temperature 1) with a KV cache; prints
tokens/s = batch·new / the median seconds of the timed iterations (max(1, steps/4) of them, after
warm-up, as the reference). The last line is one JSON object:
  {"workload":"generate","rein_tokens_per_s","torch_tokens_per_s","speedup",…}
speedup = rein tokens/s ÷ torch tokens/s (above 1: rein is faster).

options (defaults: the stories260K-shaped reference workload):
  --arch gpt|llama     model style (llama)
  --vocab N            vocabulary (512)
  --ctx N              context length (256)
  --layers N           blocks (5)
  --dim N              width C (64)
  --heads N            attention heads (8)
  --kv-heads N         KV heads, 0 = heads (4)
  --hidden N           MLP width, 0 = the arch's default (172)
  --batch N            rows sampled together (16)
  --new N              tokens generated per row (128)
  --steps N            4 × timed iterations (12)
  --warmup N           untimed iterations first (2)
  --threads N          OpenBLAS + OpenMP threads, both sides (2)
  --seed N             weights, prompts and sampling (0)
  --rounds N           rein-then-torch rounds; each side reports its best (1)
  --model PATH         time a real model (llama2.c .bin, HF folder, rein checkpoint) instead of
                       random weights; shape flags are then ignored and --vs-torch is refused
  --vs-torch           also run the PyTorch reference in the same command
  --profile            print the time per kernel of one iteration

For numbers comparable with the reference's AVX-512 figures, unset OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE for the benchmark command (both sides inherit the same environment).`;

async function runGenerate(argv: string[]): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        arch: { type: 'string', default: 'llama' },
        vocab: { type: 'string', default: '512' },
        ctx: { type: 'string', default: '256' },
        layers: { type: 'string', default: '5' },
        dim: { type: 'string', default: '64' },
        heads: { type: 'string', default: '8' },
        'kv-heads': { type: 'string', default: '4' },
        hidden: { type: 'string', default: '172' },
        batch: { type: 'string', default: '16' },
        new: { type: 'string', default: '128' },
        steps: { type: 'string', default: '12' },
        warmup: { type: 'string', default: '2' },
        threads: { type: 'string', default: '2' },
        seed: { type: 'string', default: '0' },
        rounds: { type: 'string', default: '1' },
        model: { type: 'string' },
        'vs-torch': { type: 'boolean', default: false },
        profile: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new CliError(`bench generate: ${(err as Error).message}\n\n${GENERATE_HELP}`);
  }
  if (values.help) {
    console.log(GENERATE_HELP);
    return;
  }
  const int = (name: string, min: number): number => {
    const raw = values[name] as string;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min)
      throw new CliError(`bench generate: --${name} must be an integer ≥ ${min}, got '${raw}'`);
    return v;
  };
  const arch = values.arch as string;
  if (arch !== 'gpt' && arch !== 'llama')
    throw new CliError(`bench generate: --arch must be gpt or llama, got '${arch}'`);
  const o: GenerateBenchOptions = {
    arch,
    vocab: int('vocab', 1),
    ctx: int('ctx', 1),
    layers: int('layers', 1),
    dim: int('dim', 1),
    heads: int('heads', 1),
    kvHeads: int('kv-heads', 0),
    hidden: int('hidden', 0),
    batch: int('batch', 1),
    new: int('new', 1),
    steps: int('steps', 1),
    warmup: int('warmup', 0),
    seed: int('seed', 0),
    model: (values.model as string | undefined) ?? null,
    profile: values.profile === true,
  };
  const threads = int('threads', 1);
  const rounds = int('rounds', 1);
  const vsTorch = values['vs-torch'] === true;
  if (vsTorch && o.model !== null)
    throw new CliError('bench generate: --vs-torch times random weights of a given shape; drop --model');
  if (vsTorch) {
    try {
      checkTorch();
    } catch (err) {
      throw new CliError((err as Error).message);
    }
  }
  const backend = getBackend();
  if (backend.name === 'native') {
    setNativeThreads(threads);
    const info = nativeInfo();
    console.log(`rein: native kernels, OpenBLAS core ${info.blasCore}, ${info.threads} threads`);
  } else {
    console.log(`rein: ${backend.name} kernels`);
  }
  for (const v of ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE']) {
    if (process.env[v] !== undefined)
      console.log(`note: ${v}=${process.env[v]} is set (both sides run with it)`);
  }
  process.env.OMP_NUM_THREADS = String(threads);
  process.env.OPENBLAS_NUM_THREADS = String(threads);
  const torchArgs = ['generate', '--arch', o.arch, '--vocab', String(o.vocab), '--ctx', String(o.ctx)];
  torchArgs.push('--layers', String(o.layers), '--dim', String(o.dim), '--heads', String(o.heads));
  torchArgs.push('--kv-heads', String(o.kvHeads), '--hidden', String(o.hidden), '--batch', String(o.batch));
  torchArgs.push('--new', String(o.new), '--steps', String(o.steps), '--warmup', String(o.warmup));
  torchArgs.push('--threads', String(threads), '--seed', String(o.seed));

  const rein: number[] = [];
  const torch: number[] = [];
  let params = 0;
  let profile: string | null = null;
  for (let r = 0; r < rounds; r++) {
    let res: ReturnType<typeof benchGenerate>;
    try {
      res = benchGenerate({ ...o, profile: o.profile && r === rounds - 1 });
    } catch (err) {
      throw new CliError((err as Error).message);
    }
    params = res.params;
    rein.push(res.tokensPerS);
    if (res.profile !== null) profile = res.profile;
    let line = `round ${r + 1}/${rounds}: rein ${res.tokensPerS.toFixed(0)} tokens/s (${res.seconds.toFixed(3)} s per ${o.batch}×${o.new})`;
    if (vsTorch) {
      let t: TorchResult;
      try {
        t = runTorchReference(torchArgs);
      } catch (err) {
        throw new CliError((err as Error).message);
      }
      torch.push(t.tokens_per_s);
      line += `, ${t.engine} ${t.tokens_per_s} tokens/s (${t.params} params, rein ${params})`;
    }
    console.log(line);
  }
  if (profile !== null) console.log(profile);
  const best = Math.max(...rein);
  const bestTorch = vsTorch ? Math.max(...torch) : null;
  console.log(
    JSON.stringify({
      workload: 'generate',
      arch: o.model === null ? o.arch : 'model',
      model: o.model,
      batch: o.batch,
      new: o.new,
      rein_tokens_per_s: Math.round(best),
      torch_tokens_per_s: bestTorch,
      speedup: bestTorch === null ? null : round(best / bestTorch, 3),
      backend: backend.name,
      threads,
      params,
      rounds: rein.map((x, i) => ({
        rein_tokens_per_s: Math.round(x),
        torch_tokens_per_s: vsTorch ? torch[i] : null,
      })),
    }),
  );
}
