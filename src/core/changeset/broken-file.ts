import type { Diagnostic } from '../diagnostics.js';

/**
 * Problems that stop a file from being read as a change set at all: its syntax, its shape as a
 * whole, its encoding, its header. They are not "an invalid row": `plan --skip-invalid` cannot
 * skip them, because what the file says past them is unknown (a YAML parser that gave up, a CSV
 * quote that never closes swallowing the rows after it, an unknown header column).
 */
const BROKEN_FILE_CODES: ReadonlySet<string> = new Set([
  // Any format
  'unknown-format',
  'not-a-file',
  'file-not-found',
  'unknown-encoding',
  'binary-file',
  'empty-file',
  'oversize-file',
  // YAML
  'yaml-syntax',
  'several-documents',
  'alias-bomb',
  'not-a-change-set',
  // CSV: the parser stopped, or the header cannot be read
  'csv-quote-not-closed',
  'csv-bad-quote',
  'csv-syntax',
  'oversize-row',
  'ambiguous-delimiter',
  'duplicate-column',
  'unknown-column',
  'no-selector-column',
  // Workbooks
  'workbook-encrypted',
  'workbook-xls',
  'workbook-not-zip',
  'workbook-xlsb',
  'workbook-not-xlsx',
  'workbook-unreadable',
  'sheet-not-found',
  'no-header-sheet',
  'workbook-1904-dates',
]);

export function isBrokenFileProblem(d: Diagnostic): boolean {
  return d.severity === 'error' && BROKEN_FILE_CODES.has(d.code);
}
