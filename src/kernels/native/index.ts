/**
 * The native backend: loads the N-API addon (C on OpenBLAS + OpenMP, built by `npm install`
 * into src/kernels/native/build/Release/rein_kernels.node) and exposes it as a `Backend`.
 *
 * The wrapper only turns op names into the enum codes the C side switches on; every other
 * argument goes through untouched (typed arrays are read in place, no copies). Loading never
 * throws: `loadNative()` returns the backend or the reason it is unavailable, and
 * `kernels/index.ts` decides what to do with that.
 *
 * Threads: OpenBLAS and the kernels' OpenMP loops share one pool whose size is OpenMP's default
 * (OMP_NUM_THREADS, else every core), REIN_THREADS at load, or `setNativeThreads` at any time.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Backend,
  BINARY_OPS,
  type BinaryOp,
  type F32,
  type I32,
  REDUCE_OPS,
  type ReduceOp,
  UNARY_OPS,
  type UnaryOp,
} from '../backend.js';

/** What the addon reports about its build and runtime. */
export interface NativeInfo {
  /** OpenBLAS's build string (version, target core, threading model). */
  blasConfig: string;
  /** The core type OpenBLAS dispatched to at load time (e.g. SkylakeX, Haswell, Zen). */
  blasCore: string;
  /** True when OpenBLAS is its OpenMP build, sharing one thread pool with the kernels' loops. */
  blasOpenmp: boolean;
  /** Threads used by OpenBLAS and the kernels' loops. */
  threads: number;
}

/** The raw addon: Backend methods with op names replaced by codes, plus runtime controls. */
interface NativeAddon {
  gemm: Backend['gemm'];
  unary(op: number, x: F32, out: F32, n: number, param: number): void;
  unaryBackward(op: number, x: F32, y: F32, dy: F32, dx: F32, n: number, param: number): void;
  binary(op: number, a: F32, aStrides: I32, b: F32, bStrides: I32, out: F32, shape: I32): void;
  sumToStrides: Backend['sumToStrides'];
  where: Backend['where'];
  dropout: Backend['dropout'];
  reduce(op: number, x: F32, outer: number, len: number, inner: number, out: F32, argmax: I32 | null): void;
  permute: Backend['permute'];
  copyRows: Backend['copyRows'];
  gather: Backend['gather'];
  scatterAdd: Backend['scatterAdd'];
  softmax: Backend['softmax'];
  softmaxBackward: Backend['softmaxBackward'];
  logSoftmax: Backend['logSoftmax'];
  logSoftmaxBackward: Backend['logSoftmaxBackward'];
  crossEntropy: Backend['crossEntropy'];
  crossEntropyBackward: Backend['crossEntropyBackward'];
  layerNorm: Backend['layerNorm'];
  layerNormBackward: Backend['layerNormBackward'];
  rmsNorm: Backend['rmsNorm'];
  rmsNormBackward: Backend['rmsNormBackward'];
  rope: Backend['rope'];
  attention: Backend['attention'];
  attentionBackward: Backend['attentionBackward'];
  adamw: Backend['adamw'];
  sumSquares: Backend['sumSquares'];
  setThreads(n: number): void;
  getThreads(): number;
  info(): NativeInfo;
  fmaPeakGflops(threads: number, seconds: number): number;
}

/** The package root: this file sits at src/kernels/native/ (or dist/kernels/native/ once compiled). */
const packageRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Where `npm install` (node-gyp) puts the addon. */
export const NATIVE_ADDON_PATH = path.join(
  packageRoot,
  'src',
  'kernels',
  'native',
  'build',
  'Release',
  'rein_kernels.node',
);

export type NativeLoad = { ok: true; backend: Backend } | { ok: false; reason: string };

let loaded: NativeLoad | null = null;
let addon: NativeAddon | null = null;

/**
 * How long an idle OpenMP worker spins before it sleeps, in spin iterations, unless the user set
 * GOMP_SPINCOUNT or OMP_WAIT_POLICY. libgomp's default (300,000) keeps a worker spinning ~5 ms
 * after every parallel region: harmless on an idle machine, but where other processes share the
 * cores (tests in parallel, a second training run) that spinning steals whole time slices from
 * them and from our own straggling threads. 20,000 (a fraction of a millisecond) still covers
 * the gaps between the kernels of a step. libgomp reads it once, when the addon loads it.
 */
export const REIN_GOMP_SPINCOUNT = '20000';

/** True when loadNative set GOMP_SPINCOUNT itself (so a child process can be given the user's environment). */
export let spinCountSetByRein = false;

/** The GOMP_SPINCOUNT loadNative sets for an environment: rein's, unless the user chose a spin or wait policy. */
export function spinCountFor(env: NodeJS.ProcessEnv): string | null {
  return env.GOMP_SPINCOUNT === undefined && env.OMP_WAIT_POLICY === undefined ? REIN_GOMP_SPINCOUNT : null;
}

const UNARY_CODE = codes(UNARY_OPS);
const BINARY_CODE = codes(BINARY_OPS);
const REDUCE_CODE = codes(REDUCE_OPS);

function codes<T extends string>(ops: readonly T[]): Record<string, number> {
  const table: Record<string, number> = Object.create(null);
  ops.forEach((op, i) => {
    table[op] = i;
  });
  return table;
}

function opCode(kernel: string, table: Record<string, number>, op: string): number {
  const code = table[op];
  if (code === undefined) throw new TypeError(`native ${kernel}: unknown op '${op}'`);
  return code;
}

function makeBackend(a: NativeAddon): Backend {
  return {
    name: 'native',
    gemm: a.gemm,
    unary: (op: UnaryOp, x, out, n, param) => a.unary(opCode('unary', UNARY_CODE, op), x, out, n, param),
    unaryBackward: (op: UnaryOp, x, y, dy, dx, n, param) =>
      a.unaryBackward(opCode('unaryBackward', UNARY_CODE, op), x, y, dy, dx, n, param),
    binary: (op: BinaryOp, x, xs, y, ys, out, shape) =>
      a.binary(opCode('binary', BINARY_CODE, op), x, xs, y, ys, out, shape),
    sumToStrides: a.sumToStrides,
    where: a.where,
    dropout: a.dropout,
    reduce: (op: ReduceOp, x, outer, len, inner, out, argmax) =>
      a.reduce(opCode('reduce', REDUCE_CODE, op), x, outer, len, inner, out, argmax),
    permute: a.permute,
    copyRows: a.copyRows,
    gather: a.gather,
    scatterAdd: a.scatterAdd,
    softmax: a.softmax,
    softmaxBackward: a.softmaxBackward,
    logSoftmax: a.logSoftmax,
    logSoftmaxBackward: a.logSoftmaxBackward,
    crossEntropy: a.crossEntropy,
    crossEntropyBackward: a.crossEntropyBackward,
    layerNorm: a.layerNorm,
    layerNormBackward: a.layerNormBackward,
    rmsNorm: a.rmsNorm,
    rmsNormBackward: a.rmsNormBackward,
    rope: a.rope,
    attention: a.attention,
    attentionBackward: a.attentionBackward,
    adamw: a.adamw,
    sumSquares: a.sumSquares,
  };
}

/** A 2×2 product through sgemm: catches a library that loads but computes nonsense. */
function selfCheck(a: NativeAddon): string | null {
  const x = new Float32Array([1, 2, 3, 4]);
  const y = new Float32Array([5, 6, 7, 8]);
  const c = new Float32Array([Number.NaN, Number.NaN, Number.NaN, Number.NaN]);
  a.gemm(false, true, 2, 2, 2, 1, x, 0, y, 0, 0, c, 0, 1);
  const want = [17, 23, 39, 53];
  return want.every((v, i) => c[i] === v)
    ? null
    : `self-check gemm gave [${Array.from(c).join(', ')}], want [${want}]`;
}

/** Loads the addon once; later calls return the same result. Never throws. */
export function loadNative(): NativeLoad {
  if (loaded !== null) return loaded;
  if (!existsSync(NATIVE_ADDON_PATH)) {
    loaded = {
      ok: false,
      reason: `the addon is not built (${path.relative(packageRoot, NATIVE_ADDON_PATH)} is missing; \`npm install\` builds it, needs OpenBLAS: bash scripts/install-system-deps.sh)`,
    };
    return loaded;
  }
  try {
    const spin = spinCountFor(process.env);
    if (spin !== null) {
      process.env.GOMP_SPINCOUNT = spin;
      spinCountSetByRein = true;
    }
    const req = createRequire(import.meta.url);
    const a = req(NATIVE_ADDON_PATH) as NativeAddon;
    const bad = selfCheck(a);
    if (bad !== null) {
      loaded = { ok: false, reason: bad };
    } else {
      const threads = process.env.REIN_THREADS;
      if (threads !== undefined && threads !== '') {
        const n = Number(threads);
        if (!Number.isInteger(n) || n < 1) {
          loaded = { ok: false, reason: `REIN_THREADS must be a positive integer, got '${threads}'` };
          return loaded;
        }
        a.setThreads(n);
      }
      addon = a;
      loaded = { ok: true, backend: makeBackend(a) };
    }
  } catch (err) {
    loaded = { ok: false, reason: `the addon failed to load: ${(err as Error).message}` };
  }
  return loaded;
}

function requireAddon(what: string): NativeAddon {
  const r = loadNative();
  if (!r.ok || addon === null)
    throw new Error(`${what}: native kernels unavailable: ${(r as { reason: string }).reason}`);
  return addon;
}

/** Sets the threads of OpenBLAS and the kernels' OpenMP loops (they share one pool). */
export function setNativeThreads(threads: number): void {
  requireAddon('setNativeThreads').setThreads(threads);
}

/** The addon's build and runtime facts (OpenBLAS core, threading model, threads). */
export function nativeInfo(): NativeInfo {
  return requireAddon('nativeInfo').info();
}

/**
 * Measured vector-FMA throughput in GFLOPS: `threads` threads each run independent chains of
 * fused multiply-adds for about `seconds`. The denominator for MFU figures.
 */
export function measureFmaPeakGflops(threads: number, seconds = 0.3): number {
  return requireAddon('measureFmaPeakGflops').fmaPeakGflops(threads, seconds);
}
