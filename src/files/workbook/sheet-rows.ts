import { createInflateRaw, inflateRawSync } from 'node:zlib';
import { isDateFormat, serialToDate } from 'hucre';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { entryRawBytes, type ZipEntryInfo } from './zip-directory.js';

/**
 * The rows of one worksheet, streamed: the part is inflated a chunk at a time
 * and read by a SAX parser (saxes), and the shared strings are read the same way
 * into one plain array of strings. hucre's row stream, used before, parses the
 * shared-strings part into a document tree first (about 1 KB a string: 190 MB
 * for the 200,000 strings of a 100,000-row sheet), which is what kept a
 * workbook's read over its memory budget. Cell values are what hucre gives:
 * text, numbers, booleans, a Date for a number in a date format (hucre's
 * `isDateFormat`, `serialToDate`), an error cell's text, null for an empty cell.
 */
export type SheetValue = string | number | boolean | Date | null;

export interface SheetRow {
  /** 0-based row index. */
  index: number;
  values: SheetValue[];
}

export interface WorkbookParts {
  data: Uint8Array;
  entries: readonly ZipEntryInfo[];
  /** The parts xl/_rels/workbook.xml.rels names for the shared strings and the styles, if any. */
  sharedStringsPath?: string | undefined;
  stylesPath?: string | undefined;
  date1904: boolean;
}

/** A part that is not well-formed XML, or inflates past the size its zip entry declares (a crafted archive). */
export class UnreadablePartError extends Error {}

function unreadable(part: string, e: unknown): UnreadablePartError {
  return e instanceof UnreadablePartError ? e : new UnreadablePartError(`${part}: ${(e as Error).message}`);
}

/** The part's text, a chunk at a time, never more than its declared size. */
async function* partText(data: Uint8Array, entry: ZipEntryInfo): AsyncGenerator<string> {
  const raw = entryRawBytes(data, entry);
  const decoder = new TextDecoder('utf-8');
  if (entry.method !== 8) {
    for (let at = 0; at < raw.length; at += 1 << 16) yield decoder.decode(raw.subarray(at, at + (1 << 16)), { stream: true });
    yield decoder.decode();
    return;
  }
  const inflate = createInflateRaw();
  inflate.end(raw);
  let seen = 0;
  for await (const chunk of inflate as AsyncIterable<Buffer>) {
    seen += chunk.length;
    if (seen > entry.uncompressedSize) {
      inflate.destroy();
      throw new UnreadablePartError(`${entry.name} inflates past the ${entry.uncompressedSize} bytes its zip entry declares`);
    }
    yield decoder.decode(chunk, { stream: true });
  }
  yield decoder.decode();
}

const local = (name: string) => name.slice(name.indexOf(':') + 1);

/** Excel's `_xHHHH_` escapes (a CR, a control character, or `_x005F_` for a literal underscore). */
export const decodeOoxml = (text: string) => (text.includes('_x') ? text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))) : text);

/**
 * The text of a string item (`<si>` or an inline `<is>`): its `<t>`, or its
 * runs' `<t>`s joined, never the phonetic guide (`<rPh>`) some Japanese files add.
 */
class StringItemText {
  private depth = 0;
  private inPhonetic = false;
  private inT = false;
  text = '';

  open(name: string): void {
    if (name === 'rPh') this.inPhonetic = true;
    else if (name === 't' && !this.inPhonetic) this.inT = true;
    this.depth++;
  }

  close(name: string): void {
    if (name === 'rPh') this.inPhonetic = false;
    else if (name === 't') this.inT = false;
    this.depth--;
  }

  add(text: string): void {
    if (this.inT) this.text += text;
  }
}

export async function readSharedStrings(parts: WorkbookParts): Promise<string[]> {
  const entry = parts.entries.find((e) => e.name === parts.sharedStringsPath);
  if (entry === undefined) return [];
  const strings: string[] = [];
  const parser = new SaxesParser();
  let item: StringItemText | undefined;
  parser.on('opentag', (tag: SaxesTagPlain) => {
    const name = local(tag.name);
    if (name === 'si') item = new StringItemText();
    else item?.open(name);
  });
  parser.on('text', (text) => item?.add(text));
  parser.on('cdata', (text) => item?.add(text));
  parser.on('closetag', (tag: SaxesTagPlain) => {
    const name = local(tag.name);
    if (name === 'si' && item !== undefined) {
      strings.push(decodeOoxml(item.text));
      item = undefined;
    } else item?.close(name);
  });
  try {
    for await (const chunk of partText(parts.data, entry)) parser.write(chunk);
    parser.close();
  } catch (e) {
    throw unreadable(entry.name, e);
  }
  return strings;
}

/** For each cell format (`cellXfs` index, a cell's `s`), whether its number format shows a date. */
export function readDateStyles(parts: WorkbookParts): boolean[] {
  const entry = parts.entries.find((e) => e.name === parts.stylesPath);
  if (entry === undefined) return [];
  const codes = new Map<string, string>();
  const dates: boolean[] = [];
  let inCellXfs = false;
  const parser = new SaxesParser();
  parser.on('opentag', (tag: SaxesTagPlain) => {
    const name = local(tag.name);
    const attr = (a: string) => tag.attributes[a] as string | undefined;
    if (name === 'numFmt') codes.set(attr('numFmtId') ?? '', attr('formatCode') ?? '');
    else if (name === 'cellXfs') inCellXfs = true;
    else if (name === 'xf' && inCellXfs) {
      const id = attr('numFmtId') ?? '0';
      dates.push(isDateFormat(codes.get(id) ?? id));
    }
  });
  parser.on('closetag', (tag: SaxesTagPlain) => {
    if (local(tag.name) === 'cellXfs') inCellXfs = false;
  });
  try {
    const raw = entryRawBytes(parts.data, entry);
    parser.write(Buffer.from(entry.method === 8 ? inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.uncompressedSize) }) : raw).toString('utf8')).close();
  } catch (e) {
    throw unreadable(entry.name, e);
  }
  return dates;
}

function columnOf(ref: string): number | undefined {
  let col = 0;
  let i = 0;
  for (; i < ref.length; i++) {
    const code = ref.charCodeAt(i);
    if (code < 65 || code > 90) break;
    col = col * 26 + (code - 64);
  }
  return i === 0 ? undefined : col - 1;
}

interface CellState {
  col: number;
  type: string;
  style: number;
  value: string;
  inline: StringItemText | undefined;
  inV: boolean;
}

function cellValue(cell: CellState, strings: readonly string[], dates: readonly boolean[], date1904: boolean): SheetValue {
  switch (cell.type) {
    case 's':
      return strings[Number(cell.value)] ?? null;
    case 'str':
      return decodeOoxml(cell.value);
    case 'inlineStr':
      return decodeOoxml(cell.inline?.text ?? '');
    case 'b':
      return cell.value === '1' || cell.value.toLowerCase() === 'true';
    case 'e':
      return cell.value;
    default: {
      if (cell.value === '') return null;
      const n = Number(cell.value);
      if (Number.isNaN(n)) return cell.value;
      return dates[cell.style] === true ? serialToDate(n, date1904) : n;
    }
  }
}

/** Excel's widest sheet is 16,384 columns (XFD); a cell past that is refused, not allocated. */
const MAX_COLUMNS = 16384;

export async function* readSheetRows(parts: WorkbookParts, sheetPath: string): AsyncGenerator<SheetRow> {
  const entry = parts.entries.find((e) => e.name === sheetPath);
  if (entry === undefined) throw new UnreadablePartError(`the workbook has no part ${sheetPath === '' ? 'for this sheet' : sheetPath}`);
  const strings = await readSharedStrings(parts);
  const dates = readDateStyles(parts);
  const ready: SheetRow[] = [];
  let inSheetData = false;
  let rowIndex = -1;
  let values: SheetValue[] | undefined;
  let nextCol = 0;
  let cell: CellState | undefined;
  const parser = new SaxesParser();
  parser.on('opentag', (tag: SaxesTagPlain) => {
    const name = local(tag.name);
    if (name === 'sheetData') inSheetData = true;
    else if (!inSheetData) return;
    else if (name === 'row') {
      const r = tag.attributes['r'] as string | undefined;
      rowIndex = r === undefined ? rowIndex + 1 : Number(r) - 1;
      values = [];
      nextCol = 0;
    } else if (name === 'c' && values !== undefined) {
      const ref = tag.attributes['r'] as string | undefined;
      const col = (ref === undefined ? undefined : columnOf(ref)) ?? nextCol;
      if (col >= MAX_COLUMNS) throw new UnreadablePartError(`cell ${ref ?? ''} is beyond Excel's last column (XFD)`);
      const s = tag.attributes['s'] as string | undefined;
      cell = { col, type: (tag.attributes['t'] as string | undefined) ?? '', style: s === undefined ? -1 : Number(s), value: '', inline: undefined, inV: false };
    } else if (cell !== undefined) {
      if (name === 'v') cell.inV = true;
      else if (name === 'is') cell.inline = new StringItemText();
      else cell.inline?.open(name);
    }
  });
  const text = (t: string) => {
    if (cell === undefined) return;
    if (cell.inV) cell.value += t;
    else cell.inline?.add(t);
  };
  parser.on('text', text);
  parser.on('cdata', text);
  parser.on('closetag', (tag: SaxesTagPlain) => {
    const name = local(tag.name);
    if (name === 'sheetData') inSheetData = false;
    else if (name === 'c' && cell !== undefined && values !== undefined) {
      while (values.length < cell.col) values.push(null);
      values[cell.col] = cellValue(cell, strings, dates, parts.date1904);
      nextCol = cell.col + 1;
      cell = undefined;
    } else if (name === 'row' && values !== undefined) {
      ready.push({ index: rowIndex, values });
      values = undefined;
    } else if (cell !== undefined) {
      if (name === 'v') cell.inV = false;
      else if (name !== 'is') cell.inline?.close(name);
    }
  });
  const chunks = partText(parts.data, entry);
  for (;;) {
    try {
      const next = await chunks.next();
      if (next.done === true) parser.close();
      else parser.write(next.value);
      if (next.done === true) break;
    } catch (e) {
      throw unreadable(entry.name, e);
    }
    yield* ready.splice(0);
  }
  yield* ready.splice(0);
}
