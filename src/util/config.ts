import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from './atomic-write.js';

/**
 * Configs: one zod schema per method gives defaults, validation, `--help` text and types.
 * A run's config is resolved in three layers, later ones winning:
 *   schema defaults  <  `--config file.json`  <  dotted command-line overrides (`--ppo.lr 1e-5`).
 * Unknown keys are errors (schemas are strict), so a typo never silently does nothing.
 */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** What `splitConfigArgs` found on a command line. */
export interface ConfigArgs {
  /** Path given with `--config`, if any. */
  file?: string;
  /** Dotted key → raw string value, in command-line order. */
  overrides: [string, string][];
  help: boolean;
}

/**
 * Splits `--config F`, `--help` and `--key.path value` / `--key.path=value` / `--flag` arguments.
 * A flag followed by another flag (or nothing) means `true`.
 */
export function splitConfigArgs(argv: readonly string[]): ConfigArgs {
  const out: ConfigArgs = { overrides: [], help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      out.help = true;
      continue;
    }
    if (!arg.startsWith('--'))
      throw new ConfigError(`unexpected argument '${arg}' (options look like --key value)`);
    const body = arg.slice(2);
    const eq = body.indexOf('=');
    let key: string;
    let value: string;
    if (eq >= 0) {
      key = body.slice(0, eq);
      value = body.slice(eq + 1);
    } else {
      key = body;
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && !/^--?\d/.test(next))) value = 'true';
      else value = argv[++i];
    }
    if (key === 'config') out.file = value;
    else out.overrides.push([key, value]);
  }
  return out;
}

/** Parses a command-line value: JSON when it is valid JSON (numbers, booleans, arrays), else the raw string. */
function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Sets `obj[a][b][c] = value` for the key 'a.b.c', making objects on the way. */
function setDotted(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = obj;
  for (const part of parts.slice(0, -1)) {
    const child = node[part];
    if (child === undefined) node[part] = {};
    else if (typeof child !== 'object' || child === null || Array.isArray(child))
      throw new ConfigError(`--${dotted}: '${part}' is not a group of options`);
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
  }
  try {
    const value = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error('the top level must be an object');
    return value;
  } catch (e) {
    throw new ConfigError(`config file ${file} is not valid: ${(e as Error).message}`);
  }
}

/** Resolves defaults < file < overrides against `schema`; errors name the key and the source. */
export function resolveConfig<S extends z.ZodType>(
  schema: S,
  args: Pick<ConfigArgs, 'file' | 'overrides'>,
): z.infer<S> {
  const raw: Record<string, unknown> = args.file ? readConfigFile(args.file) : {};
  for (const [key, value] of args.overrides) setDotted(raw, key, parseValue(value));
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = issue.path.join('.');
      const unknown =
        issue.code === 'unrecognized_keys'
          ? ` (unknown option${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.map((k) => `--${[key, k].filter(Boolean).join('.')}`).join(', ')})`
          : '';
      return `  ${key ? `--${key}` : 'config'}: ${issue.message}${unknown}`;
    });
    const source = args.file ? ` (from ${args.file} and the command line)` : '';
    throw new ConfigError(`invalid configuration${source}:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

interface JsonSchemaNode {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchemaNode>;
  anyOf?: JsonSchemaNode[];
}

/** `--help` text: one line per option, `--dotted.key <type>  description (default: …)`. */
export function configHelp(schema: z.ZodType): string {
  const root = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  const rows: [string, string][] = [];
  const walk = (node: JsonSchemaNode, prefix: string): void => {
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      const key = prefix ? `${prefix}.${name}` : name;
      if (child.properties) {
        walk(child, key);
        continue;
      }
      const type = child.enum
        ? child.enum.join('|')
        : Array.isArray(child.type)
          ? child.type.join('|')
          : (child.type ?? 'value');
      const dflt = child.default !== undefined ? ` (default: ${JSON.stringify(child.default)})` : '';
      rows.push([`--${key} <${type}>`, `${child.description ?? ''}${dflt}`]);
    }
  };
  walk(root, '');
  const width = Math.max(0, ...rows.map(([flag]) => flag.length));
  return rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`).join('\n');
}

/** Writes the resolved config beside a run's outputs (atomically), so every output says how it was made. */
export function saveResolvedConfig(file: string, config: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(config, null, 2)}\n`);
}

/** Every leaf of a JSON value as dotted path → JSON text. */
function leaves(value: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, JSON.stringify(value));
  return out;
}

/** "key: old → new" for every setting that differs (absent shows as "unset"). */
export function settingChanges(saved: unknown, now: unknown): string[] {
  const a = leaves(saved);
  const b = leaves(now);
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  return keys
    .filter((k) => a.get(k) !== b.get(k))
    .map((k) => `${k}: ${a.get(k) ?? 'unset'} → ${b.get(k) ?? 'unset'}`);
}
