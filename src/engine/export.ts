import { plural } from '../core/plural.js';
import { dirname, extname, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import { stringify as stringifyYaml } from 'yaml';
import type { WhereTest } from '../core/changeset.js';
import type { JsonValue, Referral } from '../core/referral.js';
import type { ReferralsClient } from '../api/types.js';
import { InvalidInputError, UsageError } from '../core/errors.js';
import { matchesWhere, mixedCurrencies, toODataFilter } from '../core/planner.js';
import { baselinePathFor, reduceForBaseline, sha256Hex, writeExportBaseline, BASELINE_FORMAT } from '../files/export-baseline.js';
import { checkPrivateTarget, writePrivateFileAtomic } from '../files/private-file.js';
import { cellText, exportColumnsFor, exportFields, numberCellText, valueAtPath } from './export-columns.js';
import { PAGE_SIZE } from './read-strategy.js';
import { changesetSchemaPath, loadWritablePaths } from '../schema/specs.js';
import { escapeLeadingApostrophe } from '../core/changeset/csv-layout.js';
import { contextValue, type ExportColumn } from '../core/changeset/export-row-rules.js';
import { decimalOfLocale } from './validate.js';
import { buildExportWorkbook, MAX_WORKBOOK_ROWS } from './export-workbook.js';
import { renderExportWorkbook } from '../files/workbook/write-workbook.js';
import type { DecimalSeparator } from '../core/changeset/parse-number.js';

export type ExportFormat = 'csv' | 'yaml' | 'xlsx';

/** The part of the API client export uses. */
export type ExportClient = Pick<ReferralsClient, 'listReferrals' | 'stats'>;

export interface ExportOptions {
  client: ExportClient;
  /** Recorded in the baseline: a plan against another API does not use it. */
  baseUrl: string;
  /** Which referrals; the same structured tests as a YAML `where`. Omitted: all. */
  where?: WhereTest[];
  output: string;
  /**
   * Where the file's bytes go instead of `output` (e.g. stdout for `-o -`). No baseline is
   * written then: there is no file for it to sit next to, so a plan of the text reads the API.
   */
  sink?: (bytes: Buffer) => Promise<void>;
  /** Progress, per page read (the engine never prints). */
  onEvent?: (e: ExportEvent) => void;
  /** Default: from the output's extension (`.yaml`/`.yml` → yaml, `.xlsx` → xlsx, otherwise csv). */
  format?: ExportFormat;
  /** CSV delimiter, default `,` (use `;` for Excel in locales with a decimal comma). */
  delimiter?: string;
  /** Write numbers with this locale's decimal separator (e.g. `nl-NL` → `1234,5`), as its Excel expects. Default: a point. */
  locale?: string;
  /** Workbooks only: protect the data sheet (locked pins and context columns; no sorting in Excel). */
  protect?: boolean;
  /**
   * Which columns besides id and eTag, in order (`--columns`): context columns
   * (`customerName`, `country`, …), fields, `addTeamMember`. Default: all.
   */
  columns?: string[];
  /** Workbooks only: refuse a selection of more referrals than this. Default {@link MAX_WORKBOOK_ROWS}. */
  maxWorkbookRows?: number;
  now?: () => Date;
}

/** One page of the listing read: how far the export is. */
export interface ExportEvent {
  type: 'page';
  pages: number;
  /** Referrals read so far, and of those, matching the selection. */
  read: number;
  matched: number;
  /** `@odata.count` of the listing, when the API gave it. */
  total?: number;
}

export interface ExportResult {
  output: string;
  /** The sidecar; absent for a workbook (it carries its baseline in a very-hidden sheet) and for a `sink`. */
  baselinePath?: string;
  format: ExportFormat;
  referrals: number;
  readRequests: number;
}

export function exportFormatFor(output: string, format?: ExportFormat): ExportFormat {
  if (format !== undefined) return format;
  const ext = extname(output).toLowerCase();
  if (ext === '.xlsx') return 'xlsx';
  return ext === '.yaml' || ext === '.yml' ? 'yaml' : 'csv';
}

function csvCell(r: Referral, column: ExportColumn): string | number {
  switch (column.kind) {
    case 'id':
      return r.id;
    case 'eTag':
      return r.eTag ?? '';
    case 'context':
      return cellText(contextValue(r, column.context));
    case 'field':
      return cellText(valueAtPath(r, column.path));
    case 'member':
      return '';
  }
}

function renderCsv(referrals: readonly Referral[], columns: readonly ExportColumn[], delimiter: string, decimal: DecimalSeparator): string {
  const header = columns.map((c) => c.header);
  const rows = referrals.map((r) => columns.map((c) => csvCell(r, c)));
  return stringifyCsv([header, ...rows], {
    bom: true,
    delimiter,
    record_delimiter: 'windows',
    // Excel runs a cell starting with = + - @ as a formula; csv-stringify prefixes a quote.
    escape_formulas: true,
    // The reader drops one ' before a formula character; a text starting that way keeps it with one more.
    cast: { number: (n: number) => (decimal === ',' ? numberCellText(n).replace('.', ',') : numberCellText(n)), string: escapeLeadingApostrophe },
  });
}

/**
 * The first line of YAML refplan writes: the yaml-language-server modeline, so VS Code (and any
 * editor using that server) completes and checks the file against the change-set schema. The path
 * is relative to the file, to the schema of the refplan that wrote it; a file URL for stdout.
 */
export function yamlSchemaModeline(output: string | undefined): string {
  const target = output === undefined ? pathToFileURL(changesetSchemaPath).href : relative(dirname(resolve(output)), changesetSchemaPath).split(sep).join('/');
  return `# yaml-language-server: $schema=${target}\n`;
}

function renderYaml(referrals: readonly Referral[], columns: readonly ExportColumn[], output: string | undefined): string {
  const chosen = new Set(columns.flatMap((c) => (c.kind === 'field' ? [c.field] : [])));
  const fields = exportFields().filter((f) => chosen.has(f.field));
  const changes = referrals.map((r) => {
    const set: Record<string, JsonValue> = {};
    for (const f of fields) {
      const value = valueAtPath(r, f.path);
      // Absent and null are left out: in a change set, null would mean "clear".
      if (value !== undefined && value !== null) set[f.field] = value;
    }
    return { id: r.id, eTag: r.eTag ?? '', set };
  });
  return (
    yamlSchemaModeline(output) +
    '# Exported by `refplan export`. Edit values, then `refplan plan` this file: only edited values become changes,\n' +
    '# and each eTag pins the version you edited (a referral changed on the server since is reported at apply).\n' +
    stringifyYaml({ changes }, { lineWidth: 0 })
  );
}

/**
 * Writes the current referrals (all, or those matching `where`) in change-set
 * format, 0600, plus the baseline sidecar that lets `plan` work without reads.
 * The output validates cleanly and plans to zero changes while unedited.
 */
export async function exportReferrals(options: ExportOptions): Promise<ExportResult> {
  const format = exportFormatFor(options.output, options.format);
  // Refuse a planted link (or another user's file) before reading every referral, not after.
  checkPrivateTarget(options.output, 'export file');
  checkPrivateTarget(baselinePathFor(options.output), 'export baseline');
  const delimiter = options.delimiter ?? ',';
  if (format === 'csv' && ![',', ';', '\t'].includes(delimiter)) {
    throw new UsageError(`unsupported delimiter ${JSON.stringify(delimiter)}`, 'use one of "," ";" or "\\t" (tab): the ones `refplan validate` reads');
  }
  if (options.protect === true && format !== 'xlsx') {
    throw new UsageError('--protect applies to workbooks only', 'write a workbook: -o FILE.xlsx');
  }
  const decimal = options.locale === undefined ? '.' : decimalOfLocale(options.locale);
  if (format === 'csv' && decimal === ',' && delimiter === ',') {
    throw new UsageError(
      `--locale ${options.locale ?? ''} writes decimal commas, which cannot share the "," delimiter`,
      "add --delimiter ';' (what Excel uses in decimal-comma locales) or --delimiter '\\t'",
    );
  }
  const columns = exportColumnsFor(options.columns);
  const startRequests = options.client.stats().requests;
  const tests = options.where ?? [];
  const writablePaths = loadWritablePaths();
  const { pushed, local } = toODataFilter(tests, { writablePaths });
  const referrals: Referral[] = [];
  const query = pushed === undefined ? { top: PAGE_SIZE } : { filter: pushed, top: PAGE_SIZE };
  // A workbook holds only what it writes: each referral is reduced as its page arrives,
  // so 20,000 full referrals are never in memory beside the workbook being built.
  const keep = format === 'xlsx' ? reduceForBaseline : (r: Referral) => r;
  let pages = 0;
  let read = 0;
  let total: number | undefined;
  const maxRows = options.maxWorkbookRows ?? MAX_WORKBOOK_ROWS;
  // When the API's count is the selection (no test left to apply here), a selection too big
  // for a workbook is refused after the first page rather than after reading all of it.
  let knownSize: number | undefined;
  for await (const page of options.client.listReferrals(query)) {
    for (const r of page.value) if (matchesWhere(r, local, writablePaths)) referrals.push(keep(r));
    pages += 1;
    read += page.value.length;
    total = page.count ?? total;
    options.onEvent?.({ type: 'page', pages, read, matched: referrals.length, ...(total === undefined ? {} : { total }) });
    if (format !== 'xlsx') continue;
    if (local.length === 0 && total !== undefined && total > maxRows) knownSize = total;
    if (knownSize !== undefined || referrals.length > maxRows) break;
  }
  const exportedAt = (options.now?.() ?? new Date()).toISOString();
  const result = { output: options.output, format, referrals: referrals.length, readRequests: options.client.stats().requests - startRequests };
  if (format === 'xlsx') {
    if (knownSize !== undefined || referrals.length > maxRows) {
      const size = knownSize === undefined ? `more than ${maxRows.toLocaleString('en-US')}` : knownSize.toLocaleString('en-US');
      throw new UsageError(
        `the selection has ${size} referrals, more than the ${maxRows.toLocaleString('en-US')} a workbook export holds (see "Limits" in docs/guides/spreadsheet-round-trip.md)`,
        'export CSV instead (-o FILE.csv), which has no row limit, or narrow the export with --where',
      );
    }
    const baseline = { format: BASELINE_FORMAT, exportedAt, baseUrl: options.baseUrl, sha256: '', referrals } as const;
    const bytes = await renderExportWorkbook(buildExportWorkbook(referrals, columns, baseline, options.protect === true));
    if (options.sink !== undefined) await options.sink(Buffer.from(bytes));
    else await writePrivateFileAtomic(options.output, bytes, { what: 'export file' });
    return result;
  }
  const currencies = mixedCurrencies(tests, referrals, writablePaths);
  if (currencies !== undefined) {
    throw new InvalidInputError(`--where compares dealValue across currencies: the ${plural(referrals.length, 'referral')} it matches hold ${currencies.join(', ')}`, [], `add --where currency=${currencies[0]} (one export per currency)`);
  }
  const text = format === 'csv' ? renderCsv(referrals, columns, delimiter, decimal) : renderYaml(referrals, columns, options.sink === undefined ? options.output : undefined);
  const bytes = Buffer.from(text, 'utf8');
  if (options.sink !== undefined) {
    await options.sink(bytes);
    return result;
  }
  await writePrivateFileAtomic(options.output, bytes, { what: 'export file' });
  const baselinePath = await writeExportBaseline(options.output, {
    format: BASELINE_FORMAT,
    exportedAt,
    baseUrl: options.baseUrl,
    sha256: sha256Hex(bytes),
    referrals: referrals.map(reduceForBaseline),
  });
  return { ...result, baselinePath };
}
