import type { Command } from 'commander';
import { parseEncodingFlag } from '../core/changeset/encodings.js';
import { UsageError } from '../core/errors.js';
import type { ValidateOptions } from '../engine/validate.js';

/*
 * The CSV flag values (--delimiter, --encoding) are checked while commander parses the command
 * line, so a bad value is a usage error (exit 1) before any file is read or request sent.
 */
export { parseEncodingFlag as parseEncoding } from '../core/changeset/encodings.js';

const DELIMITER_WORDS: Record<string, string> = { tab: '\t', '\\t': '\t', comma: ',', semicolon: ';' };

/** `--delimiter VALUE` → the delimiter character, or a usage error (commander calls it while parsing). */
export function parseDelimiter(value: string): string {
  const d = DELIMITER_WORDS[value.toLowerCase()] ?? value;
  if (![',', ';', '\t'].includes(d)) throw new UsageError(`--delimiter ${JSON.stringify(value)} is not supported`, 'use ",", ";" or tab');
  return d;
}

/** CSV reading flags, as `refplan validate` takes them; planning reads the same files the same way. */
export function addCsvOptions(command: Command): Command {
  return command
    .option('--delimiter <char>', 'CSV delimiter: "," ";" or "\\t" (default: detected from the header line)', parseDelimiter)
    .option('--encoding <name>', 'CSV encoding: utf-8, utf-16le, windows-1252 (default: detected)', parseEncodingFlag)
    .option('--locale <tag>', 'locale for decimal separators in CSV numbers, e.g. nl-NL, sv-SE')
    .option('--date-format <format>', 'date format of CSV cells that are not ISO 8601, e.g. DD-MM-YYYY')
    .option('--sheet <name>', 'workbooks (.xlsx): the sheet to read (default: the first with a recognised header row)');
}

export function csvOptionsFrom(flags: Record<string, unknown>): ValidateOptions {
  const options: Record<string, string> = {};
  for (const key of ['delimiter', 'encoding', 'locale', 'dateFormat', 'sheet']) {
    const value = flags[key];
    if (typeof value === 'string') options[key] = key === 'delimiter' && value === '\\t' ? '\t' : value;
  }
  return options as ValidateOptions;
}
