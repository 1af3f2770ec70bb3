/**
 * The backends under comparison. When the addon is not built, every native test file is
 * skipped with the reason in its title, so a run without OpenBLAS says why instead of failing.
 */
import { describe } from 'vitest';
import type { Backend } from '../../backend.js';
import { jsBackend } from '../../js/index.js';
import { loadNative } from '../index.js';

const load = loadNative();

export const js: Backend = jsBackend;
/** The native backend (only touched inside describeNative blocks, which are skipped without it). */
export const nat: Backend = load.ok ? load.backend : (null as unknown as Backend);
/** Both, by name, for the `agree` helper. */
export const backends = { js, native: nat };

/** `describe` when the addon loads, `describe.skip` (the reason in the title) when it does not. */
export function describeNative(title: string, body: () => void): void {
  if (load.ok) describe(title, body);
  else describe.skip(`${title} — SKIPPED: native kernels unavailable: ${load.reason}`, body);
}
