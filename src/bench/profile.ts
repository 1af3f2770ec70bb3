/**
 * Per-kernel timing for `rein bench … --profile`: wraps a Backend so that every call is timed
 * and counted under a label (the kernel, its op, and for gemm the product's shape). Off by
 * default: the bench installs the wrapper only when asked, so an unprofiled run calls the
 * backend directly and pays nothing.
 */
import type { Backend } from '../kernels/backend.js';

export interface ProfileRow {
  label: string;
  calls: number;
  ms: number;
}

export interface Profiler {
  /** The wrapped backend: install it with setBackend while profiling. */
  backend: Backend;
  /** Forgets everything recorded so far (call after warm-up). */
  reset(): void;
  /** Rows by total time, largest first. */
  rows(): ProfileRow[];
}

/** A label per call: the kernel, plus the op or the gemm shape, which is where time differs. */
function labelOf(kernel: string, args: unknown[]): string {
  switch (kernel) {
    case 'gemm': {
      const [tA, tB, m, n, k] = args as [boolean, boolean, number, number, number];
      const batch = args[13] as number;
      return `gemm ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${m}x${n}x${k}${batch > 1 ? ` x${batch}` : ''}`;
    }
    case 'unary':
    case 'unaryBackward':
    case 'binary':
    case 'reduce':
      return `${kernel} ${String(args[0])}`;
    default:
      return kernel;
  }
}

export function profileBackend(inner: Backend): Profiler {
  const table = new Map<string, ProfileRow>();
  const wrapped: Record<string, unknown> = { name: inner.name };
  for (const key of Object.keys(inner) as (keyof Backend)[]) {
    const fn = inner[key];
    if (typeof fn !== 'function') continue;
    const call = fn as (...a: unknown[]) => unknown;
    wrapped[key] = (...args: unknown[]): unknown => {
      const t0 = performance.now();
      const result = call.apply(inner, args);
      const ms = performance.now() - t0;
      const label = labelOf(key, args);
      let row = table.get(label);
      if (row === undefined) {
        row = { label, calls: 0, ms: 0 };
        table.set(label, row);
      }
      row.calls++;
      row.ms += ms;
      return result;
    };
  }
  return {
    backend: wrapped as unknown as Backend,
    reset: () => table.clear(),
    rows: () => [...table.values()].sort((a, b) => b.ms - a.ms),
  };
}

/**
 * A text table of the top `top` rows, per step (divided by `steps`), with each row's share of
 * the step time, and one line for the time outside the kernels (the TypeScript tensor layer,
 * autograd bookkeeping, allocation).
 */
export function formatProfile(rows: ProfileRow[], steps: number, msPerStep: number, top = 25): string {
  const totalKernel = rows.reduce((s, r) => s + r.ms, 0) / steps;
  const lines = [`per-step profile (${steps} steps; ${msPerStep.toFixed(2)} ms/step median):`];
  lines.push(`  ${'ms/step'.padStart(8)} ${'share'.padStart(6)} ${'calls'.padStart(6)}  kernel`);
  for (const r of rows.slice(0, top)) {
    const ms = r.ms / steps;
    lines.push(
      `  ${ms.toFixed(3).padStart(8)} ${((100 * ms) / msPerStep).toFixed(1).padStart(5)}% ${String(
        Math.round(r.calls / steps),
      ).padStart(6)}  ${r.label}`,
    );
  }
  if (rows.length > top) {
    const rest = rows.slice(top).reduce((s, r) => s + r.ms, 0) / steps;
    lines.push(
      `  ${rest.toFixed(3).padStart(8)} ${((100 * rest) / msPerStep).toFixed(1).padStart(5)}%         (${rows.length - top} more kernels)`,
    );
  }
  lines.push(
    `  ${totalKernel.toFixed(3).padStart(8)} ${((100 * totalKernel) / msPerStep).toFixed(1).padStart(5)}%         all kernels`,
  );
  const outside = msPerStep - totalKernel;
  lines.push(
    `  ${outside.toFixed(3).padStart(8)} ${((100 * outside) / msPerStep).toFixed(1).padStart(5)}%         outside kernels (tensor layer, autograd, allocation)`,
  );
  return lines.join('\n');
}
