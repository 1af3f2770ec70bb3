import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { z } from 'zod';

/** A malformed input file: names the file, the 1-based line and the field. */
export class DataFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly field: string | null,
    readonly reason: string,
  ) {
    super(`${file}:${line}${field ? `: field '${field}'` : ''}: ${reason}`);
    this.name = 'DataFileError';
  }
}

/** Reads a text file, gunzipping it when its name ends in `.gz`. */
export function readTextFile(file: string): string {
  const raw = readFileSync(file);
  return (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
}

/**
 * The non-blank lines of a JSONL file (optionally `.gz`), each parsed as JSON and checked against
 * `schema` — or, in a file that mixes shapes, against the schema `schema(value)` picks for the line.
 * The first bad line throws a DataFileError naming the file, line and field.
 */
export function* jsonlLines<T>(
  file: string,
  schema: z.ZodType<T> | ((value: unknown) => z.ZodType<T>),
): Generator<{ line: number; data: T }> {
  const lines = readTextFile(file).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i].trim();
    if (text === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new DataFileError(file, i + 1, null, `not valid JSON (${(e as Error).message})`);
    }
    const parsed = (typeof schema === 'function' ? schema(value) : schema).safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new DataFileError(file, i + 1, issue.path.join('.') || null, issue.message);
    }
    yield { line: i + 1, data: parsed.data };
  }
}

/**
 * The first non-blank line of a JSONL file (optionally `.gz`), parsed but unchecked — what a reader
 * of several shapes tells the file's format by; null for a file with no records.
 */
export function firstJsonlValue(file: string): { line: number; value: unknown } | null {
  const lines = readTextFile(file).split('\n');
  const index = lines.findIndex((l) => l.trim() !== '');
  if (index < 0) return null;
  try {
    return { line: index + 1, value: JSON.parse(lines[index]) };
  } catch (e) {
    throw new DataFileError(file, index + 1, null, `not valid JSON (${(e as Error).message})`);
  }
}

/** Every record of a JSONL file (optionally `.gz`) against `schema`; errors as in jsonlLines. */
export function readJsonl<S extends z.ZodType>(file: string, schema: S): z.infer<S>[] {
  return Array.from(jsonlLines(file, schema as z.ZodType<z.infer<S>>), (l) => l.data);
}

/** Serialises records as JSONL text (one JSON object a line, trailing newline). */
export function toJsonl(records: readonly unknown[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + (records.length > 0 ? '\n' : '');
}
