/**
 * `rein bench generate`: batched sampling with a KV cache, in tokens/s, against the PyTorch
 * reference's same workload in the same command (bench/generate.ts times rein's side).
 */
import { benchGenerate, type GenerateBenchOptions, PROMPT_TOKENS } from '../bench/generate.js';
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

const HELP = `usage: rein bench generate [options]

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

export async function runGenerate(argv: string[]): Promise<void> {
  const values = parseBenchFlags(
    'generate',
    argv,
    HELP,
    {
      arch: 'llama',
      vocab: '512',
      ctx: '256',
      layers: '5',
      dim: '64',
      heads: '8',
      'kv-heads': '4',
      hidden: '172',
      batch: '16',
      new: '128',
      steps: '12',
      warmup: '2',
      threads: '2',
      seed: '0',
      rounds: '1',
    },
    ['model'],
  );
  if (!values) return;
  const int = (name: string, min: number) => intFlag('generate', values, name, min);
  const shape = shapeFlags('generate', values);
  const o: GenerateBenchOptions = {
    ...shape,
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
  if (vsTorch) requireTorch();
  const backend = prepareMachine(threads);
  const reference = torchArgs('generate', shape, {
    batch: o.batch,
    new: o.new,
    steps: o.steps,
    warmup: o.warmup,
    threads,
    seed: o.seed,
  });
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
      const t = torchReference(reference);
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
