import { createHash } from 'node:crypto';
import { candidateExtId, MAX_CANDIDATES, type PromptInput, StoreError, taskKindFor } from './types.js';

/**
 * Checks on prompts and records before anything is written, and the id a prompt given without one
 * is stored under. Refusing bad input up front keeps a batch all or nothing and its error naming
 * the prompt and field at fault.
 */

/**
 * Checks prompts before anything is written: 0 candidates (a demonstration), 1 (a rating) or
 * 2–16 (a ranking), ids distinct.
 */
export function checkPromptInputs(prompts: readonly PromptInput[]): void {
  prompts.forEach((p, i) => {
    refuseNul(p, `prompt ${p.id ? `'${p.id}'` : i + 1}`);
    const k = p.candidates.length;
    if (taskKindFor(k) === null) {
      throw new StoreError(
        'invalid',
        `prompt ${i + 1}: ${k} candidates (want 0 for a demonstration, 1 for a rating, or 2–${MAX_CANDIDATES} for a ranking)`,
        'candidates',
      );
    }
    const ids = p.candidates.map(candidateExtId);
    const repeated = ids.find((id, j) => ids.indexOf(id) !== j);
    if (repeated !== undefined) {
      throw new StoreError(
        'invalid',
        `prompt ${p.id ? `'${p.id}'` : i + 1}: candidate id '${repeated}' appears twice`,
        'candidates',
      );
    }
  });
}

/**
 * Refuses text holding the NUL character (\u0000) before anything is written: PostgreSQL cannot
 * store it in a text column, and refusing it on SQLite too keeps the two stores alike.
 */
export function refuseNul(value: unknown, what: string): void {
  const at = nulPath(value, '');
  if (at !== null)
    throw new StoreError('invalid', `${what}: field '${at}' holds the NUL character (\\u0000)`, at);
}

/** The path of the first string (value or key) in `value` holding the NUL character, or null. */
function nulPath(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\0') ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], `${path}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const at = path ? `${path}.${k}` : k;
      if (k.includes('\0')) return at;
      const found = nulPath(v, at);
      if (found !== null) return found;
    }
  }
  return null;
}

/** A stable id for a prompt given without one: the hash of its text and candidates. */
export function defaultPromptId(p: PromptInput): string {
  const h = createHash('sha256').update(JSON.stringify([p.text, p.candidates.map((c) => c.text)]));
  return `p-${h.digest('hex').slice(0, 16)}`;
}
