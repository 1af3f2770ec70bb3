/**
 * The settings a run report lists: every resolved option of a single run, or — for runs side by
 * side — the ones whose values differ, each as a dotted key (`kl.beta`) and one value per run.
 */

/** `out` is the run's own folder, already in the report's header: it differs between any two runs. */
const SKIPPED = new Set(['out']);

/** Every leaf of a config as dotted key → JSON text. */
function leaves(value: unknown, prefix: string, out: Map<string, string>): Map<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) out.set(prefix, JSON.stringify(value));
  return out;
}

export interface SettingsRow {
  key: string;
  /** One per run: the value as JSON text, undefined where the run's config lacks the key. */
  values: (string | undefined)[];
}

/**
 * The rows of the settings table for `configs` (one per run; null for a run without
 * train-config.json, which takes no part in the comparison). With fewer than two configs, every
 * setting; otherwise the keys on which the configs disagree, a key that only some have included.
 * Keys sorted.
 */
export function settingsRows(configs: readonly (Record<string, unknown> | null)[]): SettingsRow[] {
  const flat = configs.map((c) => (c ? leaves(c, '', new Map()) : null));
  const present = flat.filter((f): f is Map<string, string> => f !== null);
  const keys = [...new Set(present.flatMap((f) => [...f.keys()]))].filter((k) => !SKIPPED.has(k)).sort();
  const differs = (k: string) => new Set(present.map((f) => f.get(k))).size > 1;
  return keys
    .filter((k) => present.length < 2 || differs(k))
    .map((key) => ({ key, values: flat.map((f) => f?.get(key)) }));
}
