/**
 * Backend selection: every tensor op asks `getBackend()` for the kernels it runs.
 *
 * Today this always starts on the js reference backend. The native engineer replaces
 * `pickDefaultBackend` (the one marked spot below) with: native when the addon loads, otherwise js
 * with one loud warning line naming the reason; `REIN_BACKEND=js|native` forces one (forcing native
 * when it cannot load is an error, not a fallback).
 */
import type { Backend } from './backend.js';
import { jsBackend } from './js/index.js';

let current: Backend | null = null;

/** ---- backend choice: the spot for the native loader (see the module comment). ---- */
function pickDefaultBackend(): Backend {
  const forced = process.env.REIN_BACKEND;
  if (forced !== undefined && forced !== '' && forced !== 'js' && forced !== 'native') {
    throw new Error(`REIN_BACKEND: expected 'js' or 'native', got '${forced}'`);
  }
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
