/**
 * Command-line arguments of a training command, through the run's config schema (util/config.ts):
 * defaults < `--config file.json` < `--dotted.key value` overrides, and `--help` from the schema.
 */
import type { z } from 'zod';
import { ConfigError, configHelp, resolveConfig, splitConfigArgs } from '../../util/config.js';

/**
 * The schema's defaults, carried on a resolved config under a symbol key (JSON, the saved config and
 * settingChanges never see it; a spread copies it). A run resumed after rein gained an option finds
 * the option missing from the config it was saved with; run-dir.ts takes the default for it, the
 * behaviour the run had before the option existed.
 */
export const SCHEMA_DEFAULTS = Symbol('rein.schemaDefaults');

/** Either the resolved config, or `help` when the user asked for it. */
export function parseRunArgs<S extends z.ZodType>(
  schema: S,
  argv: readonly string[],
): { help: true } | { help: false; config: z.infer<S> } {
  const args = splitConfigArgs(argv);
  if (args.help) return { help: true };
  const config = resolveConfig(schema, args);
  const defaults = schema.safeParse({});
  if (defaults.success && typeof config === 'object' && config !== null)
    Object.defineProperty(config, SCHEMA_DEFAULTS, { value: defaults.data, enumerable: true });
  return { help: false, config };
}

/** Throws a ConfigError listing the options among `names` that were left empty. */
export function requireOptions(config: Record<string, unknown>, names: readonly string[]): void {
  const missing = names.filter((n) => config[n] === '' || config[n] === undefined);
  if (missing.length > 0)
    throw new ConfigError(
      `${missing.map((n) => `--${n}`).join(', ')} ${missing.length > 1 ? 'are' : 'is'} required (see --help)`,
    );
}

/** A command's `--help`: usage line, what it does, then every option of the schema. */
export function runHelp(usage: string, about: string, schema: z.ZodType): string {
  return [
    `usage: ${usage}`,
    '',
    about,
    '',
    'options (defaults < --config FILE.json < --key value; --group.key for grouped options):',
    configHelp(schema),
    '  --config <file>  JSON file of options',
  ].join('\n');
}
