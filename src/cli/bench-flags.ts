/**
 * What the engine benchmarks' commands (`rein bench train`, `rein bench generate`) share: flag
 * parsing and checking, the model-shape flags, the PyTorch reference's arguments, and the notes
 * on the machine that make a timing comparable.
 */
import type { ModelShape } from '../bench/shape.js';
import { checkTorch, runTorchReference, type TorchResult } from '../bench/torch.js';
import { type Backend, getBackend } from '../kernels/index.js';
import { nativeInfo, setNativeThreads } from '../kernels/native/index.js';
import { CliError } from './errors.js';
import { integerFlag, parseCommandArgs } from './flags.js';

export type BenchFlags = Record<string, string | boolean | undefined>;

/**
 * Parses `argv` against string flags with these defaults (`optional`: without one) and the
 * boolean flags every benchmark has (--vs-torch, --profile, --help). Null when --help printed.
 */
export function parseBenchFlags(
  workload: string,
  argv: string[],
  help: string,
  defaults: Record<string, string>,
  optional: string[] = [],
): BenchFlags | null {
  const options: Record<string, { type: 'string' | 'boolean'; default?: string | boolean }> = {};
  for (const [name, value] of Object.entries(defaults)) options[name] = { type: 'string', default: value };
  for (const name of optional) options[name] = { type: 'string' };
  options['vs-torch'] = { type: 'boolean', default: false };
  options.profile = { type: 'boolean', default: false };
  return parseCommandArgs({ name: `bench ${workload}`, help }, argv, options)?.values ?? null;
}

/** An integer flag ≥ min, or a CliError naming it. */
export function intFlag(workload: string, values: BenchFlags, name: string, min: number): number {
  return integerFlag(`bench ${workload}`, name, values[name] as string, min);
}

/** The model-shape flags, checked. */
export function shapeFlags(workload: string, values: BenchFlags): ModelShape {
  const arch = values.arch as string;
  if (arch !== 'gpt' && arch !== 'llama')
    throw new CliError(`bench ${workload}: --arch must be gpt or llama, got '${arch}'`);
  const int = (name: string, min: number) => intFlag(workload, values, name, min);
  return {
    arch,
    vocab: int('vocab', 1),
    ctx: int('ctx', 1),
    layers: int('layers', 1),
    dim: int('dim', 1),
    heads: int('heads', 1),
    kvHeads: int('kv-heads', 0),
    hidden: int('hidden', 0),
  };
}

/** The reference's arguments for a workload: the shape, then the workload's own flags. */
export function torchArgs(
  workload: string,
  shape: ModelShape,
  rest: Record<string, string | number>,
): string[] {
  const flags: Record<string, string | number> = {
    arch: shape.arch,
    vocab: shape.vocab,
    ctx: shape.ctx,
    layers: shape.layers,
    dim: shape.dim,
    heads: shape.heads,
    'kv-heads': shape.kvHeads,
    hidden: shape.hidden,
    ...rest,
  };
  return [workload, ...Object.entries(flags).flatMap(([k, v]) => [`--${k}`, String(v)])];
}

/** Fails early, before any work, when --vs-torch cannot run the reference. */
export function requireTorch(): void {
  try {
    checkTorch();
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

/** One run of the PyTorch reference; its failure is a CliError. */
export function torchReference(args: string[]): TorchResult {
  try {
    return runTorchReference(args);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

/**
 * Sets the thread count on both sides (rein's kernels; OpenBLAS and OpenMP in the reference,
 * which inherits the environment) and prints what a reader needs to compare timings: the kernels,
 * the BLAS core, and the OpenBLAS tuning variables the environment presets.
 */
export function prepareMachine(threads: number): Backend {
  const backend = getBackend();
  if (backend.name === 'native') {
    setNativeThreads(threads);
    const info = nativeInfo();
    console.log(
      `rein: native kernels, OpenBLAS core ${info.blasCore} (${info.blasOpenmp ? 'OpenMP' : 'pthreads'} build), ${info.threads} threads`,
    );
  } else {
    console.log(`rein: ${backend.name} kernels`);
  }
  for (const v of ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE']) {
    if (process.env[v] !== undefined)
      console.log(`note: ${v}=${process.env[v]} is set (both sides run with it)`);
  }
  process.env.OMP_NUM_THREADS = String(threads);
  process.env.OPENBLAS_NUM_THREADS = String(threads);
  return backend;
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
