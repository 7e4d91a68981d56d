import { dateToSerial } from 'hucre';

/**
 * The cells of the two big sheets of an export (the data rows and the baseline
 * blob), as SpreadsheetML written row by row instead of through hucre's
 * in-memory writer. Text is an inline string (`t="inlineStr"`), which is always
 * text: a note reading `#N/A` or `=1+1` or `00123` stays that text.
 */
export type SheetCell = string | number | Date | null;

/** XML 1.0 forbids these raw (tab, LF and CR are allowed, but a parser turns CR into LF). */
function isForbidden(code: number): boolean {
  return code <= 0x08 || code === 0x0b || code === 0x0c || (code >= 0x0e && code <= 0x1f) || code === 0xfffe || code === 0xffff;
}

const hex4 = (code: number) => code.toString(16).toUpperCase().padStart(4, '0');

/**
 * Cell text as XML character data, the way Excel writes it: `&`, `<`, `>` as
 * entities; CR and the control characters XML forbids as `_xHHHH_`; and a text
 * that itself spells `_xHHHH_` with its underscore escaped (`_x005F_xHHHH_`), so
 * a reader decodes it back to the same text rather than to a character.
 */
export function escapeCellText(text: string): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    let replacement: string | undefined;
    if (code === 0x26) replacement = '&amp;';
    else if (code === 0x3c) replacement = '&lt;';
    else if (code === 0x3e) replacement = '&gt;';
    else if (code === 0x0d || isForbidden(code)) replacement = `_x${hex4(code)}_`;
    else if (code === 0x5f && /^_x[0-9A-Fa-f]{4}_/.test(text.slice(i, i + 7))) replacement = '_x005F_';
    if (replacement === undefined) continue;
    out += text.slice(last, i) + replacement;
    last = i + 1;
  }
  return last === 0 ? text : out + text.slice(last);
}

/** Leading or trailing blanks, or line breaks and tabs, are kept only with xml:space="preserve". */
const needsPreserve = (text: string) => text !== text.trim() || /[\t\n\r]/.test(text);

/** One `<c>`; an empty value still writes the styled cell, so the column's format (Text for ids) holds when someone types there. */
export function cellXml(ref: string, value: SheetCell, style: number | undefined): string {
  const s = style === undefined || style === 0 ? '' : ` s="${style}"`;
  if (value === null || value === '') return `<c r="${ref}"${s}/>`;
  if (typeof value === 'string') {
    const space = needsPreserve(value) ? ' xml:space="preserve"' : '';
    return `<c r="${ref}"${s} t="inlineStr"><is><t${space}>${escapeCellText(value)}</t></is></c>`;
  }
  const n = typeof value === 'number' ? value : Number.isNaN(value.getTime()) ? Number.NaN : dateToSerial(value);
  if (!Number.isFinite(n)) return `<c r="${ref}"${s}/>`;
  return `<c r="${ref}"${s}><v>${String(n)}</v></c>`;
}

/** A `<row>` of cells from column A; `letters` are the column letters, `styles` the style id of each column. */
export function rowXml(rowNumber: number, cells: readonly SheetCell[], letters: readonly string[], styles: readonly (number | undefined)[]): string {
  let out = `<row r="${rowNumber}">`;
  for (let c = 0; c < cells.length; c++) out += cellXml(`${letters[c] ?? ''}${rowNumber}`, cells[c] ?? null, styles[c]);
  return `${out}</row>`;
}
