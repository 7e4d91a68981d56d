import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

/** An exported CSV as a spreadsheet user sees it: a header and rows of cells by column name. */
export interface CsvSheet {
  header: string[];
  rows: Record<string, string>[];
}

export function readSheet(path: string, delimiter = ','): CsvSheet {
  const records = parse(readFileSync(path, 'utf8'), { bom: true, delimiter }) as string[][];
  const [header = [], ...body] = records;
  return { header, rows: body.map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']))) };
}

/** Saves the sheet the way Excel does: BOM, CRLF, quotes only where needed. */
export function writeSheet(path: string, sheet: CsvSheet, delimiter = ','): void {
  const records = [sheet.header, ...sheet.rows.map((r) => sheet.header.map((h) => r[h] ?? ''))];
  writeFileSync(path, stringify(records, { bom: true, delimiter, record_delimiter: 'windows' }));
}

/** Opens a sheet, lets `edit` change cells (rows by id), saves it. */
export function editSheet(path: string, edit: (byId: Map<string, Record<string, string>>, sheet: CsvSheet) => void): CsvSheet {
  const sheet = readSheet(path);
  edit(new Map(sheet.rows.map((r) => [r['id'] ?? '', r])), sheet);
  writeSheet(path, sheet);
  return sheet;
}
