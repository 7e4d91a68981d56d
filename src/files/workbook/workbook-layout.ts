/**
 * The names an exported workbook is built from, shared by the writer, the
 * reader and the structural check: one place says what refplan writes.
 */
export const DATA_SHEET = 'Referrals';
export const README_SHEET = 'README';
/** Hidden: the dropdown lists, referenced as ranges (an inline list is capped at 255 characters). */
export const LISTS_SHEET = 'Lists';
/** Very hidden (Excel offers no "Unhide" for it): the exported values, so the workbook alone plans without reads. */
export const BASELINE_SHEET = 'refplan-baseline';

/** Hidden "do not modify" pin columns, first in the data sheet. */
export const ID_HEADER = 'id';
export const ETAG_HEADER = 'eTag';
export const ROW_HASH_HEADER = 'rowHash';

/** Excel's limit on the characters of one cell; longer baseline JSON is split across cells. */
export const MAX_CELL_CHARS = 32767;

/** Excel's last row: validations cover the column down to it, so rows a user adds get the dropdowns too. */
export const LAST_ROW = 1048576;

/** `A`, `B`, … `Z`, `AA` … for a 0-based column index. */
export function columnLetter(index: number): string {
  let n = index + 1;
  let out = '';
  while (n > 0) {
    const rem = (n - 1) % 26;
    out = String.fromCharCode(65 + rem) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}

/** A sheet name as a formula reference: quoted when it is not a plain word. */
export function sheetRef(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(name) ? name : `'${name.replaceAll("'", "''")}'`;
}
