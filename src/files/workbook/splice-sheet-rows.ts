import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { Zip, ZipPassThrough } from 'fflate';
import { entryRawBytes, readZipDirectory, type ZipEntryInfo } from './zip-directory.js';

/**
 * Re-zips a workbook hucre wrote, streaming the rows of some sheets in place of
 * the placeholder rows hucre wrote there. hucre's full writer keeps the parts it
 * is good at (styles, validations, protection, hidden sheets, element order)
 * but holds every cell in memory (about 5 KB a row); here a big sheet's rows go
 * from generator to deflate a batch at a time, so memory stays flat in the rows.
 *
 * A sheet to splice was written by hucre with its real header rows and then one
 * row of empty cells, `styleRow`: that row tells the style id hucre gave each
 * column, and everything from it to `</sheetData>` is replaced by the streamed
 * rows. Parts keep their order, so `[Content_Types].xml` stays first.
 */
export interface SplicedSheet {
  /** The part, e.g. `xl/worksheets/sheet1.xml`. */
  path: string;
  /** 1-based number of hucre's row of empty styled cells. */
  styleRow: number;
  /** The sheet's last row and column once spliced, for its `<dimension>`. */
  lastRow: number;
  lastColumn: string;
  /** The row XML, given the style id of each column (index 0 = column A). */
  rows: (styles: readonly (number | undefined)[]) => Iterable<string>;
}

/** Rows are deflated in batches of about this many characters. */
const BATCH_CHARS = 1 << 17;

/**
 * A zip entry deflated by Node's zlib (several times faster than fflate's own
 * deflate, which was most of the export's CPU time): each chunk is one
 * sync-flushed deflate run, and runs concatenate into one valid deflate stream
 * (the technique pigz uses); fflate's documented way to bring a compressor.
 */
class NativeZipDeflate extends ZipPassThrough {
  constructor(filename: string) {
    super(filename);
    this.compression = 8;
  }

  protected override process(chunk: Uint8Array, final: boolean): void {
    this.ondata(null, deflateRawSync(chunk, { level: 6, finishFlush: final ? constants.Z_FINISH : constants.Z_SYNC_FLUSH }), final);
  }
}

function partBytes(zip: Uint8Array, entry: ZipEntryInfo): Uint8Array {
  const raw = entryRawBytes(zip, entry);
  return entry.method === 8 ? inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.uncompressedSize) }) : raw;
}

function columnIndex(letters: string): number {
  let n = 0;
  for (const ch of letters) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

/** The style id of each cell in hucre's placeholder row (`<c r="B2" s="4"/>`). */
export function placeholderStyles(rowXmlText: string): (number | undefined)[] {
  const styles: (number | undefined)[] = [];
  for (const m of rowXmlText.matchAll(/<c\b([^>]*?)\/?>/g)) {
    const attrs = m[1] ?? '';
    const ref = /\br="([A-Z]+)\d+"/.exec(attrs)?.[1];
    if (ref === undefined) continue;
    const s = /\bs="(\d+)"/.exec(attrs)?.[1];
    styles[columnIndex(ref)] = s === undefined ? undefined : Number(s);
  }
  return styles;
}

function spliceParts(xml: string, sheet: SplicedSheet): { head: string; styles: (number | undefined)[]; tail: string } {
  const rowStart = xml.indexOf(`<row r="${sheet.styleRow}"`);
  const dataEnd = xml.indexOf('</sheetData>');
  if (rowStart < 0 || dataEnd < rowStart) throw new Error(`${sheet.path} has no placeholder row ${sheet.styleRow} to stream rows into`);
  const rowEnd = xml.indexOf('</row>', rowStart);
  const styles = placeholderStyles(xml.slice(rowStart, rowEnd < 0 ? dataEnd : rowEnd));
  const head = xml.slice(0, rowStart).replace(/<dimension ref="[^"]*"\/>/, `<dimension ref="A1:${sheet.lastColumn}${Math.max(1, sheet.lastRow)}"/>`);
  return { head, styles, tail: xml.slice(dataEnd) };
}

export function spliceSheetRows(zip: Uint8Array, sheets: readonly SplicedSheet[]): Uint8Array {
  const entries = readZipDirectory(zip);
  if (entries === undefined) throw new Error('the workbook writer produced no readable zip');
  const chunks: Uint8Array[] = [];
  let failure: Error | undefined;
  const out = new Zip((err, data) => {
    if (err !== null) failure = err;
    else chunks.push(data);
  });
  const encoder = new TextEncoder();
  // A fixed time: the same export writes the same bytes (zip times are local, from 1980).
  const mtime = new Date(1980, 0, 1);
  for (const entry of entries) {
    const file = new NativeZipDeflate(entry.name);
    file.mtime = mtime;
    out.add(file);
    const sheet = sheets.find((s) => s.path === entry.name);
    if (sheet === undefined) {
      file.push(partBytes(zip, entry), true);
      continue;
    }
    const { head, styles, tail } = spliceParts(new TextDecoder().decode(partBytes(zip, entry)), sheet);
    file.push(encoder.encode(head));
    let batch = '';
    for (const row of sheet.rows(styles)) {
      batch += row;
      if (batch.length < BATCH_CHARS) continue;
      file.push(encoder.encode(batch));
      batch = '';
    }
    file.push(encoder.encode(batch + tail), true);
  }
  out.end();
  if (failure !== undefined) throw failure;
  return Buffer.concat(chunks);
}
