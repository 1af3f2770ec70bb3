/**
 * A small RFC 4180 CSV reader for the public benchmark files (XSTest, HarmBench), whose fields
 * hold commas, doubled quotes and whole paragraphs with newlines inside quotes — splitting on
 * lines and commas would cut them apart.
 *
 * Accepted: CRLF or LF line ends, a leading byte-order mark, blank lines between records (skipped),
 * no final line end. Refused, each as a DataFileError naming the file, line and field: a quote
 * inside an unquoted field, text after a closing quote, a quoted field the file never closes, and
 * (in readCsv) a record whose number of fields differs from the header's.
 */
import { existsSync, readFileSync } from 'node:fs';
import { DataFileError } from './jsonl.js';

export interface CsvRecord {
  /** 1-based line on which the record starts (a quoted newline makes a record span lines). */
  line: number;
  fields: string[];
}

/** How a field is named in errors: its header name when the header row is known, else its column. */
function fieldName(header: readonly string[] | null, index: number): string {
  return header?.[index] || `column ${index + 1}`;
}

/** Splits CSV text into records of fields; the first record is treated as the header in error messages. */
export function parseCsv(text: string, file = '<csv>'): CsvRecord[] {
  const records: CsvRecord[] = [];
  let header: string[] | null = null;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;
  const fail = (at: number, column: number, reason: string): never => {
    throw new DataFileError(file, at, fieldName(header, column), reason);
  };
  while (i < n) {
    // a blank line between records is not a record
    if (text[i] === '\n' || (text[i] === '\r' && text[i + 1] === '\n')) {
      i += text[i] === '\r' ? 2 : 1;
      line++;
      continue;
    }
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let value = '';
      if (text[i] === '"') {
        const opened = line;
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) fail(opened, fields.length, 'quoted field is never closed (missing closing ")');
          const chunk = text.slice(i, q);
          for (let k = chunk.indexOf('\n'); k >= 0; k = chunk.indexOf('\n', k + 1)) line++;
          value += chunk;
          i = q + 1;
          // a doubled quote is one quote character; a single one closes the field
          if (text[i] !== '"') break;
          value += '"';
          i++;
        }
        if (i < n && text[i] !== ',' && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n'))
          fail(line, fields.length, `unexpected text after a closing quote: '${text.slice(i, i + 10)}'`);
      } else {
        const from = i;
        while (i < n && text[i] !== ',' && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) {
          if (text[i] === '"')
            fail(
              line,
              fields.length,
              'a quote inside an unquoted field (quote the whole field and double the quote)',
            );
          i++;
        }
        value = text.slice(from, i);
      }
      fields.push(value);
      if (i < n && text[i] === ',') {
        i++;
        continue;
      }
      // end of record: a line end or the end of the text
      if (i < n) {
        i += text[i] === '\r' ? 2 : 1;
        line++;
      }
      break;
    }
    records.push({ line: start, fields });
    if (header === null) header = fields;
  }
  return records;
}

/** One data record of a CSV file, its values by column name. */
export interface CsvRow {
  line: number;
  values: Record<string, string>;
}

/**
 * The records of a CSV file with a header row, as objects keyed by column name. `required`
 * columns must be in the header; every record must have as many fields as the header.
 */
export function readCsv(
  file: string,
  required: readonly string[] = [],
): { columns: string[]; rows: CsvRow[] } {
  if (!existsSync(file)) throw new Error(`${file}: no such file`);
  const records = parseCsv(readFileSync(file, 'utf8'), file);
  if (records.length === 0) throw new DataFileError(file, 1, null, 'empty file (no header row)');
  const columns = records[0].fields;
  for (const name of required)
    if (!columns.includes(name))
      throw new DataFileError(
        file,
        records[0].line,
        name,
        `missing column (the header has: ${columns.join(', ')})`,
      );
  const rows = records.slice(1).map((r) => {
    if (r.fields.length !== columns.length)
      throw new DataFileError(
        file,
        r.line,
        null,
        `${r.fields.length} fields where the header has ${columns.length} (${columns.join(', ')})`,
      );
    return { line: r.line, values: Object.fromEntries(columns.map((c, k) => [c, r.fields[k]])) };
  });
  return { columns, rows };
}
