import type { Command } from 'commander';
import type { ValidateOptions } from '../engine/validate.js';

/** CSV reading flags, as `refplan validate` takes them; planning reads the same files the same way. */
export function addCsvOptions(command: Command): Command {
  return command
    .option('--delimiter <c>', 'CSV delimiter: "," ";" or "\\t" (default: detected from the header line)')
    .option('--encoding <e>', 'CSV encoding: utf-8, utf-16le, windows-1252 (default: detected)')
    .option('--locale <l>', 'locale for decimal separators in CSV numbers, e.g. nl-NL, sv-SE')
    .option('--date-format <f>', 'date format of CSV cells that are not ISO 8601, e.g. DD-MM-YYYY');
}

export function csvOptionsFrom(flags: Record<string, unknown>): ValidateOptions {
  const options: Record<string, string> = {};
  for (const key of ['delimiter', 'encoding', 'locale', 'dateFormat']) {
    const value = flags[key];
    if (typeof value === 'string') options[key] = key === 'delimiter' && value === '\\t' ? '\t' : value;
  }
  return options as ValidateOptions;
}
