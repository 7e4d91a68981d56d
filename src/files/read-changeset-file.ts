import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { error, info, type Diagnostic } from '../core/diagnostics.js';
import type { RawChange, Vocabulary } from '../core/changeset/raw-change.js';
import { SUPPORTED_ENCODINGS } from '../core/changeset/encodings.js';
import { baselinePathFor } from './export-baseline.js';
import { readCsvChangeSet } from './read-csv-changeset.js';
import { readYamlChangeSet } from './read-yaml-changeset.js';
import { readWorkbookChangeSet } from './workbook/read-workbook-changeset.js';
import { decodeBuffer, isKnownEncoding, sniffFile, type FileSniff } from './sniff-file.js';

/**
 * One change-set file → raw changes, by extension: .yaml/.yml are YAML;
 * .csv/.tsv/.txt are delimited text; .xlsx/.xlsm are workbooks (.xls and .xlsb
 * too, to be refused with a reason). Problems are diagnostics; only a file that
 * cannot be opened at all is reported as such (still a diagnostic, exit 3).
 */

export type ChangeSetFormat = 'yaml' | 'csv' | 'xlsx';

export interface ReadChangeSetOptions {
  delimiter?: string;
  encoding?: string;
  /** Workbooks: the sheet to read (default: the first with a recognised header row). */
  sheet?: string;
  vocab: Vocabulary;
  report: (d: Diagnostic) => void;
  onChange: (raw: RawChange) => void;
  /** A row of refplan's own workbook export left as exported (read and skipped). */
  onUnedited?: () => void;
}

export interface ReadChangeSetResult {
  format?: ChangeSetFormat;
  sha256?: string;
  rows: number;
}

/** YAML change sets are written by hand; larger inputs belong in CSV, which streams. */
export const MAX_YAML_BYTES = 20 * 1024 * 1024;

export function formatOf(path: string): ChangeSetFormat | undefined {
  const ext = extname(path).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') return 'csv';
  if (ext === '.xlsx' || ext === '.xlsm' || ext === '.xls' || ext === '.xlsb') return 'xlsx';
  return undefined;
}

export async function readChangeSetFile(path: string, file: string, options: ReadChangeSetOptions): Promise<ReadChangeSetResult> {
  const { report } = options;
  const at = { file, line: 1, column: 1 };
  const format = formatOf(path);
  if (format === undefined) {
    report(error('unknown-format', `cannot tell the format of ${file} from its extension`, { at, hint: 'name it .yaml/.yml (YAML), .csv/.tsv/.txt (CSV) or .xlsx (Excel workbook)' }));
    return { rows: 0 };
  }
  try {
    const s = await stat(path);
    if (s.isDirectory()) {
      report(error('not-a-file', `${file} is a directory`, { at, hint: 'pass the change-set files inside it' }));
      return { rows: 0 };
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    report(error('file-not-found', code === 'ENOENT' ? `${file} does not exist` : `cannot read ${file} (${code ?? 'error'})`, { at, hint: 'check the path' }));
    return { rows: 0 };
  }
  if (format === 'xlsx') {
    const read = await readWorkbookChangeSet(path, file, { vocab: options.vocab, report, onChange: options.onChange, ...(options.onUnedited === undefined ? {} : { onUnedited: options.onUnedited }), ...(options.sheet === undefined ? {} : { sheet: options.sheet }) });
    return { format, rows: read.rows, ...(read.sha256 === undefined ? {} : { sha256: read.sha256 }) };
  }
  if (options.encoding !== undefined && !isKnownEncoding(options.encoding)) {
    report(error('unknown-encoding', `unknown encoding "${options.encoding}"`, { at, hint: `use one of ${SUPPORTED_ENCODINGS.join(', ')}` }));
    return { rows: 0 };
  }
  const sniff = await sniffFile(path, options.encoding);
  if (sniff.bytes === 0) {
    report(error('empty-file', 'the file is empty', { at, hint: format === 'csv' ? 'the first row must be a header such as id,dealValue,currency' : 'start it with changes: and a list of changes' }));
    return { format, sha256: sniff.sha256, rows: 0 };
  }
  if (sniff.nulByte) {
    report(error('binary-file', 'the file contains NUL bytes: it is not a text file (or is UTF-16 without a byte order mark)', { at, hint: 'save it as CSV UTF-8 (or pass --encoding utf-16le)' }));
    return { format, sha256: sniff.sha256, rows: 0 };
  }
  // A note only for a guess: not for --encoding, a byte order mark, or refplan's own export
  // (its baseline sits next to it: refplan wrote the bytes and knows how).
  const ownExport = existsSync(baselinePathFor(path));
  if (options.encoding === undefined && !sniff.hasBom && !ownExport) {
    report(info('guess-encoding', `encoding: ${sniff.encoding} (${sniff.reason})`, { at, hint: 'pass --encoding to override' }));
  }
  if (format === 'yaml') return { format, sha256: sniff.sha256, rows: await readYaml(path, file, sniff, options) };
  const { rows } = await readCsvChangeSet(path, file, sniff, { ...options, ...(options.delimiter === undefined ? {} : { delimiter: options.delimiter }), quietDelimiterNote: ownExport });
  return { format, sha256: sniff.sha256, rows };
}

async function readYaml(path: string, file: string, sniff: FileSniff, options: ReadChangeSetOptions): Promise<number> {
  if (sniff.bytes > MAX_YAML_BYTES) {
    options.report(error('oversize-file', `${file} is ${Math.round(sniff.bytes / 1048576)} MB; YAML change sets are limited to ${MAX_YAML_BYTES / 1048576} MB`, { at: { file, line: 1, column: 1 }, hint: 'use CSV for large change sets: it is read as a stream' }));
    return 0;
  }
  const text = decodeBuffer(await readFile(path), sniff.encoding);
  const raws = readYamlChangeSet(text, file, options.report);
  for (const raw of raws) options.onChange(raw);
  return raws.length;
}
