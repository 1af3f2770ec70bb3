/**
 * Backend selection: every tensor op asks `getBackend()` for the kernels it runs.
 *
 * The default is native when the addon loads, otherwise js with one loud warning line naming the
 * reason; `REIN_BACKEND=js|native` forces one (forcing native when it cannot load is an error, not a
 * fallback).
 */
import type { Backend } from './backend.js';
import { jsBackend } from './js/index.js';
import { loadNative } from './native/index.js';

let current: Backend | null = null;

/** REIN_BACKEND's choice, else native when the addon loads, else js with a warning. */
function pickDefaultBackend(): Backend {
  const forced = process.env.REIN_BACKEND;
  if (forced !== undefined && forced !== '' && forced !== 'js' && forced !== 'native') {
    throw new Error(`REIN_BACKEND: expected 'js' or 'native', got '${forced}'`);
  }
  if (forced === 'js') return jsBackend;
  const native = loadNative();
  if (native.ok) return native.backend;
  if (forced === 'native')
    throw new Error(`REIN_BACKEND=native, but the native kernels cannot load: ${native.reason}`);
  console.warn(`rein: WARNING: native kernels unavailable, using the slow js backend: ${native.reason}`);
  return jsBackend;
}

/** The active kernel backend (chosen on first use). */
export function getBackend(): Backend {
  if (current === null) current = pickDefaultBackend();
  return current;
}

/** Switches the active backend (tests compare backends; the gradient check forces js). */
export function setBackend(b: Backend): void {
  current = b;
}

export type { Backend };
export { jsBackend };
