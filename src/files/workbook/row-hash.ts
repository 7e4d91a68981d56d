import { createHash } from 'node:crypto';

/**
 * The row hash in an exported workbook's hidden `rowHash` column: a digest of
 * the row's pins and exported values, as Dataverse's "row checksum". A row
 * whose cells still hash to it was not edited and is skipped on import without
 * looking further; any edit (or a row pasted over another) changes the digest.
 *
 * Cells are hashed by typed value, so what the writer puts in and what a reader
 * gets back from the same cell (a Date for a date, a number for a number) hash
 * alike: `''` for an empty cell, `n:` + shortest round-trip digits for a number,
 * `d:` + ISO instant (milliseconds) for a date, `s:` + the text otherwise.
 */
export type HashCell = string | number | boolean | Date | null | undefined;

export function canonicalCell(value: HashCell): string {
  if (value === null || value === undefined || value === '') return '';
  if (typeof value === 'number') return `n:${String(value)}`;
  if (value instanceof Date) return `d:${value.toISOString()}`;
  if (typeof value === 'boolean') return `b:${String(value)}`;
  return `s:${value}`;
}

export function rowHash(cells: readonly HashCell[]): string {
  const hash = createHash('sha256');
  for (const cell of cells) hash.update(canonicalCell(cell)).update('\u0000');
  return hash.digest('hex').slice(0, 24);
}
