import { nounFor, plural } from '../core/plural.js';
import { isAbsolute, resolve } from 'node:path';
import type { ErrorObject } from 'ajv';
import { error, info, type Diagnostic, type SourceLocation } from '../core/diagnostics.js';
import { UsageError } from '../core/errors.js';
import type { Change, ChangeSet, InputFile } from '../core/changeset.js';
import type { FileDialect } from '../core/changeset/raw-change.js';
import { normaliseChange } from '../core/changeset/normalise-change.js';
import { createDuplicateCheck, selectorKey } from '../core/changeset/duplicate-check.js';
import { compileDateFormat } from '../core/changeset/parse-date.js';
import { parseEncodingFlag } from '../core/changeset/encodings.js';
import type { DecimalSeparator } from '../core/changeset/parse-number.js';
import { loadVocabulary, normalisedChangeValidator } from '../schema/changeset-vocabulary.js';
import { readChangeSetFile } from '../files/read-changeset-file.js';
import { judgeExportOffline, type JudgedExport } from './unedited-export-rows.js';

/**
 * The validate use case: read every change-set file, normalise each change,
 * check every offline rule, and return the ChangeSet with all diagnostics.
 * Never prints, never exits. The planner reads change sets through this too.
 */

export interface ValidateOptions {
  /** CSV delimiter (`,` `;` or a tab); detected from the header line when absent. */
  delimiter?: string;
  /** Input encoding; detected (BOM, UTF-8, else Windows-1252) when absent. */
  encoding?: string;
  /** BCP 47 locale whose decimal separator numbers use (e.g. `nl-NL`); inferred from unambiguous values when absent. */
  locale?: string;
  /** Explicit date format such as `DD-MM-YYYY` or `MM/DD/YYYY HH:mm`. */
  dateFormat?: string;
  /** Workbooks: the sheet to read (default: the first with a recognised header row). */
  sheet?: string;
  /** Keep the normalised changes (default true). `false` streams: only what the duplicate check needs stays in memory. */
  collect?: boolean;
  /** Errors and warnings kept in `diagnostics` (default 1000); the rest are counted in `stats`. */
  maxDiagnostics?: number;
  /** Leave rows of an export that were not edited out of `stats.changes` (reads the export baselines; `plan` does this itself). */
  countExportEdits?: boolean;
  /** Base for relative paths (default process.cwd()); diagnostics name files as given. */
  cwd?: string;
}

export interface ValidateStats {
  files: number;
  /** Data rows (CSV) and entries (YAML) read. */
  rows: number;
  /** Changes that passed every check (rows of an export that were not edited are not changes). */
  changes: number;
  /** Rows of refplan's own export that hold what was exported (not counted in `changes`). */
  uneditedExportRows?: number;
  errors: number;
  warnings: number;
  /** Diagnostics not kept because of `maxDiagnostics`. */
  suppressed: number;
}

export interface ValidateResult {
  /** Present unless `collect: false`: every change that passed (check `diagnostics` for errors before using it). */
  changeSet?: ChangeSet;
  diagnostics: Diagnostic[];
  stats: ValidateStats;
}

export function decimalOfLocale(locale: string): DecimalSeparator {
  let parts: Intl.NumberFormatPart[];
  try {
    parts = new Intl.NumberFormat(locale).formatToParts(1.5);
  } catch {
    throw new UsageError(`--locale ${JSON.stringify(locale)} is not a valid locale`, 'use a BCP 47 tag such as nl-NL, sv-SE, de-DE or en-US');
  }
  return parts.find((p) => p.type === 'decimal')?.value === ',' ? ',' : '.';
}

export async function validateChangeSets(files: string[], options: ValidateOptions = {}): Promise<ValidateResult> {
  if (files.length === 0) throw new UsageError('no change-set files given', 'pass one or more .yaml or .csv files');
  if (options.delimiter !== undefined && ![',', ';', '\t'].includes(options.delimiter)) {
    throw new UsageError(`--delimiter ${JSON.stringify(options.delimiter)} is not supported`, 'use ",", ";" or a tab ("\\t")');
  }
  // Checked before any file is read: a bad value is the caller's mistake, not the file's.
  const encoding = options.encoding === undefined ? undefined : parseEncodingFlag(options.encoding);
  if (options.dateFormat !== undefined && compileDateFormat(options.dateFormat) === undefined) {
    throw new UsageError(`--date-format ${JSON.stringify(options.dateFormat)} is not a date format`, 'use YYYY, MM and DD (and optionally HH, mm, ss), e.g. DD-MM-YYYY or MM/DD/YYYY');
  }
  const decimal = options.locale === undefined ? undefined : decimalOfLocale(options.locale);
  const collect = options.collect !== false;
  const maxDiagnostics = options.maxDiagnostics ?? 1000;
  const cwd = options.cwd ?? process.cwd();
  const vocab = loadVocabulary();
  const validateChange = normalisedChangeValidator();

  const diagnostics: Diagnostic[] = [];
  const stats: ValidateStats = { files: files.length, rows: 0, changes: 0, errors: 0, warnings: 0, suppressed: 0 };
  let kept = 0;
  const report = (d: Diagnostic) => {
    if (d.severity === 'error') stats.errors++;
    else if (d.severity === 'warning') stats.warnings++;
    if (d.severity !== 'info' && kept >= maxDiagnostics) {
      stats.suppressed++;
      return;
    }
    if (d.severity !== 'info') kept++;
    diagnostics.push(d);
  };

  const duplicates = createDuplicateCheck();
  const rejectedKeys = new Set<string>();
  const changes: Change[] = [];
  const inputs: InputFile[] = [];
  // Streaming (collect: false) keeps only the rows of exports, to tell edited ones from the rest.
  const countEdits = options.countExportEdits === true;
  const exportRows: Change[] = [];
  // Rows of a workbook export the reader already left out (their row hash says unedited).
  let uneditedWorkbookRows = 0;

  for (const file of files) {
    const path = isAbsolute(file) ? file : resolve(cwd, file);
    const dialect: FileDialect = { file };
    if (decimal !== undefined) {
      dialect.decimal = decimal;
      dialect.decimalFrom = 'locale';
    }
    if (options.dateFormat !== undefined) {
      dialect.dateFormat = options.dateFormat;
      dialect.dateFormatFrom = 'option';
    }
    const result = await readChangeSetFile(path, file, {
      ...(options.delimiter === undefined ? {} : { delimiter: options.delimiter }),
      ...(encoding === undefined ? {} : { encoding }),
      ...(options.sheet === undefined ? {} : { sheet: options.sheet }),
      vocab,
      report,
      onUnedited: () => void uneditedWorkbookRows++,
      onChange: (raw) => {
        const { change, locations } = normaliseChange(raw, { vocab, dialect, report });
        if (change === undefined) return;
        if (!validateChange(change)) {
          for (const e of validateChange.errors ?? []) report(schemaDiagnostic(e, change, locations));
          return;
        }
        const key = duplicates.check(change.selector, change.source, report);
        if (key !== undefined) {
          if (collect) rejectedKeys.add(key);
          return;
        }
        stats.changes++;
        if (collect) changes.push(change);
        else if (countEdits && change.pinnedETag !== undefined && change.exportCells !== undefined) exportRows.push(change);
      },
    });
    stats.rows += result.rows;
    if (result.sha256 !== undefined) inputs.push({ file, sha256: result.sha256 });
  }
  if (stats.suppressed > 0) {
    diagnostics.push(info('suppressed', `${plural(stats.suppressed, 'more problem')} ${nounFor(stats.suppressed, 'is', 'are')} not shown (the first ${maxDiagnostics} are)`, { hint: 'fix these first, then validate again' }));
  }
  const judgeExport = async (rows: readonly Change[]): Promise<JudgedExport> => {
    const judged = countEdits ? await judgeExportOffline(rows, cwd) : { unedited: new Set<Change>(), diagnostics: [], refused: 0 };
    for (const d of judged.diagnostics) report(d);
    const unedited = judged.unedited.size + uneditedWorkbookRows;
    if (unedited > 0) stats.uneditedExportRows = unedited;
    return judged;
  };
  if (!collect) {
    const judged = await judgeExport(exportRows);
    stats.changes -= judged.unedited.size + judged.refused;
    return { diagnostics, stats };
  }
  // A referral changed twice is rejected in both places: neither change is "the" one.
  const kept2 = rejectedKeys.size === 0 ? changes : changes.filter((c) => !rejectedKeys.has(selectorKey(c.selector) ?? ''));
  // Rows of an export that still hold what was exported are not changes (plan leaves them out too).
  const judged = await judgeExport(kept2);
  stats.changes = kept2.length - judged.unedited.size - judged.refused;
  return { changeSet: { changes: kept2, inputs }, diagnostics, stats };
}

function schemaDiagnostic(e: ErrorObject, change: Change, locations: Map<string, SourceLocation>): Diagnostic {
  const at = locations.get(e.instancePath) ?? change.source;
  const field = e.instancePath.split('/').filter(Boolean).slice(1).join('.') || 'change';
  if (e.keyword === 'maxLength') {
    const limit = (e.params as { limit: number }).limit;
    return error('oversize-value', `${field} is longer than ${limit} characters`, { at, hint: `shorten it to at most ${limit} characters (the API's limit)` });
  }
  return error('invalid-value', `${field} ${e.message ?? 'is not valid'}`, { at, hint: 'see docs/guides/yaml-change-sets.md for the accepted values' });
}
