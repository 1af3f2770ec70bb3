/**
 * `rein bench train`: one AdamW training step of a transformer on random tokens, against the
 * PyTorch reference's same workload in the same command (bench/train.ts times rein's side).
 */
import os from 'node:os';
import { trainStepFlops } from '../bench/flops.js';
import { benchTrain, type TrainBenchOptions } from '../bench/train.js';
import { measureFmaPeakGflops } from '../kernels/native/index.js';
import {
  intFlag,
  parseBenchFlags,
  prepareMachine,
  requireTorch,
  round,
  shapeFlags,
  torchArgs,
  torchReference,
} from './bench-flags.js';
import { CliError } from './errors.js';

const HELP = `usage: rein bench train [options]

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

export async function runTrain(argv: string[]): Promise<void> {
  const values = parseBenchFlags('train', argv, HELP, {
    arch: 'gpt',
    vocab: '512',
    ctx: '128',
    layers: '4',
    dim: '256',
    heads: '4',
    'kv-heads': '0',
    hidden: '0',
    batch: '8',
    steps: '12',
    warmup: '2',
    threads: '2',
    seed: '0',
    rounds: '1',
  });
  if (!values) return;
  const int = (name: string, min: number) => intFlag('train', values, name, min);
  const shape = shapeFlags('train', values);
  const o: TrainBenchOptions = {
    ...shape,
    batch: int('batch', 1),
    steps: int('steps', 1),
    warmup: int('warmup', 0),
    seed: int('seed', 0),
    profile: values.profile === true,
  };
  const threads = int('threads', 1);
  const rounds = int('rounds', 1);
  const vsTorch = values['vs-torch'] === true;
  if (vsTorch) requireTorch();

  const backend = prepareMachine(threads);
  let peak: number | null = null;
  if (backend.name === 'native') {
    peak = measureFmaPeakGflops(threads, 0.3);
    console.log(`machine: measured FMA peak ${peak.toFixed(0)} GFLOPS on ${threads} threads`);
  } else {
    console.log('no measured peak for these kernels: mfu is null');
  }
  const loadBefore = os.loadavg()[0];
  console.log(
    `load average ${loadBefore.toFixed(2)} on ${os.cpus().length} cores (timings are only comparable on a quiet machine)`,
  );
  const reference = torchArgs('train', shape, {
    batch: o.batch,
    steps: o.steps,
    warmup: o.warmup,
    threads,
    seed: o.seed,
  });

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
      const t = torchReference(reference);
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
