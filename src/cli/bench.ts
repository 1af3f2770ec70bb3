/**
 * `rein bench <workload>`: performance benchmarks that print JSON, compared side by side with
 * the PyTorch peer baseline (shared/bench/torch_reference.py) in the same command.
 *
 * Workloads are a table, like the commands: `train` lives here; `generate` (sampling with a KV
 * cache) is added as one more entry.
 */
import { parseArgs } from 'node:util';
import { trainStepFlops } from '../bench/flops.js';
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
this machine at the same thread count (independent vector-FMA chains on every thread).

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
    gflops: round(gflops, 1),
    mfu: peak === null ? null : round(gflops / peak, 3),
    peak_gflops: peak === null ? null : round(peak, 0),
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
