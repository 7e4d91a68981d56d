import { randomBytes } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { readXlsx, streamXlsxRows, type CellValue } from 'hucre/xlsx';
import { describe, expect, it } from 'vitest';
import { BASELINE_FORMAT, type ExportBaseline } from '../../src/files/export-baseline.js';
import { rowHash } from '../../src/files/workbook/row-hash.js';
import { cellXml, escapeCellText } from '../../src/files/workbook/sheet-xml.js';
import { placeholderStyles } from '../../src/files/workbook/splice-sheet-rows.js';
import { renderExportWorkbook, type ExportWorkbook, type WorkbookRow } from '../../src/files/workbook/write-workbook.js';
import { readWorkbookBaselineSheet } from '../../src/files/workbook/read-workbook-changeset.js';
import { readZipDirectory } from '../../src/files/workbook/zip-directory.js';

// The rows of an export's big sheets are written by refplan itself (sheet-xml.ts, streamed into
// the zip hucre wrote: splice-sheet-rows.ts), so their escaping is tested here, cell by cell,
// through two readers: hucre's full reader and the row stream refplan reads workbooks with.

const NASTY_TEXTS = [
  '  leading and trailing  ',
  'tab\tinside',
  'line one\r\nline two',
  'bare CR\rhere',
  'LF only\nhere',
  'a < b & c > d "quoted" \'single\'',
  '#N/A',
  '#DIV/0!',
  '=1+1',
  '00123',
  '1.234,56',
  'TRUE',
  'bell\u0007 and NUL\u0000 and ESC\u001b',
  'literal _x000D_ stays text',
  '_x0041_',
  'emoji 😀 and größer – ok',
  ' ',
  'non-characters \uFFFE\uFFFF',
];

function part(bytes: Uint8Array, name: string): string {
  const entries = readZipDirectory(bytes) ?? [];
  const e = entries.find((x) => x.name === name);
  if (e === undefined) throw new Error(`no part ${name}`);
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = e.localHeaderOffset + 30 + view.readUInt16LE(e.localHeaderOffset + 26) + view.readUInt16LE(e.localHeaderOffset + 28);
  const raw = view.subarray(start, start + e.compressedSize);
  return (e.method === 8 ? inflateRawSync(raw) : raw).toString('utf8');
}

function book(rows: WorkbookRow[]): ExportWorkbook {
  const baseline: ExportBaseline = {
    format: BASELINE_FORMAT,
    exportedAt: '2026-12-01T00:00:00.000Z',
    baseUrl: 'http://127.0.0.1:1/v1.0',
    sha256: '',
    referrals: rows.map((r) => ({ id: r.id, eTag: r.eTag, name: String(r.cells[0]) }) as never),
  };
  return {
    columns: [
      { header: 'notes', role: 'editable', type: 'text' },
      { header: 'dealValue', role: 'editable', type: 'number' },
      { header: 'closingDateTime', role: 'editable', type: 'date' },
      { header: 'status', role: 'editable', type: 'text', list: ['Active', 'Closed'] },
    ],
    rows,
    baseline,
    readme: ['readme'],
    protect: false,
  };
}

const rowsOf = (texts: readonly string[]): WorkbookRow[] =>
  texts.map((t, i) => ({ id: `id-${i}`, eTag: `"e${i}"`, cells: [t, i % 2 === 0 ? 1234.5 + i : null, i % 3 === 0 ? new Date(Date.UTC(2027, 2, 31, 14, 0, 0, 123)) : null, i % 2 === 0 ? 'Active' : null] }));

describe('the streamed sheet writer', () => {
  it('escapes text as Excel does: entities, CR and forbidden control characters as _xHHHH_, a literal _xHHHH_ with its underscore escaped', () => {
    expect(escapeCellText('a<b&c>d')).toBe('a&lt;b&amp;c&gt;d');
    expect(escapeCellText('x\r\ny')).toBe('x_x000D_\ny');
    expect(escapeCellText('\u0000\u0001\u0008\u000b\u000c\u001f\t')).toBe('_x0000__x0001__x0008__x000B__x000C__x001F_\t');
    expect(escapeCellText('_x000D_')).toBe('_x005F_x000D_');
    expect(escapeCellText('_x00Z_ and _x_')).toBe('_x00Z_ and _x_');
    expect(escapeCellText('\uFFFE')).toBe('_xFFFE_');
    expect(escapeCellText('plain')).toBe('plain');
  });

  it('writes text as inline strings (never an error, formula or number cell), keeps blanks with xml:space, and still styles an empty cell', () => {
    expect(cellXml('A2', '#N/A', 3)).toBe('<c r="A2" s="3" t="inlineStr"><is><t>#N/A</t></is></c>');
    expect(cellXml('A2', ' x ', 3)).toBe('<c r="A2" s="3" t="inlineStr"><is><t xml:space="preserve"> x </t></is></c>');
    expect(cellXml('B7', null, 4)).toBe('<c r="B7" s="4"/>');
    expect(cellXml('B7', '', 4)).toBe('<c r="B7" s="4"/>');
    expect(cellXml('C2', 1e21, undefined)).toBe('<c r="C2"><v>1e+21</v></c>');
    expect(cellXml('C2', Number.NaN, 5)).toBe('<c r="C2" s="5"/>');
    expect(cellXml('D2', new Date(Date.UTC(1900, 2, 1)), 6)).toBe('<c r="D2" s="6"><v>61</v></c>');
    expect(cellXml('D2', new Date(Number.NaN), 6)).toBe('<c r="D2" s="6"/>');
    expect(placeholderStyles('<row r="2"><c r="A2" s="2"/><c r="B2"/><c r="AA2" s="9"/></row>')).toEqual(Object.assign([2, undefined], { 26: 9 }));
  });

  it('round-trips every awkward text, number and date through both readers, and each row still hashes to its rowHash', async () => {
    const rows = rowsOf(NASTY_TEXTS);
    const bytes = await renderExportWorkbook(book(rows));
    const sheet1 = part(bytes, 'xl/worksheets/sheet1.xml');
    const body = sheet1.slice(sheet1.indexOf('<row r="2"'), sheet1.indexOf('</sheetData>'));
    expect(body).toContain('<row r="19"');
    expect(body).not.toMatch(/t="e"|<f>|t="s"|t="str"|t="b"/);
    expect(sheet1).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\r]/);
    expect(sheet1).toContain(`<dimension ref="A1:G${rows.length + 1}"/>`);
    expect(sheet1).toContain(`<autoFilter ref="A1:G${rows.length + 1}"/>`);

    const full = await readXlsx(bytes, { sheets: ['Referrals'] });
    const fullRows = full.sheets[0]?.rows ?? [];
    const streamed: CellValue[][] = [];
    for await (const row of streamXlsxRows(bytes, { sheet: 'Referrals' })) streamed[row.index] = row.values;
    for (const got of [fullRows, streamed]) {
      expect(got.length).toBe(rows.length + 1);
      expect(got[0]).toEqual(['id', 'eTag', 'rowHash', 'notes', 'dealValue', 'closingDateTime', 'status']);
      rows.forEach((row, i) => {
        const read = got[i + 1] ?? [];
        expect(read[0]).toBe(row.id);
        expect(read[1]).toBe(row.eTag);
        expect(read[3], JSON.stringify(row.cells[0])).toBe(row.cells[0]);
        expect(read[4] ?? null).toBe(row.cells[1]);
        expect(read[5] instanceof Date ? read[5].toISOString() : (read[5] ?? null)).toBe(row.cells[2] instanceof Date ? row.cells[2].toISOString() : null);
        expect(read[6] ?? null).toBe(row.cells[3]);
        // The reader's values hash to the written rowHash, so an unedited row is skipped on import.
        expect(rowHash([read[0], read[1], read[3], read[4], read[5], read[6]] as never[])).toBe(read[2]);
      });
    }
  });

  it('writes an export of no referrals as a header-only sheet, and a baseline that reads back', async () => {
    const bytes = await renderExportWorkbook(book([]));
    const sheet1 = part(bytes, 'xl/worksheets/sheet1.xml');
    expect(sheet1).toContain('<dimension ref="A1:G1"/>');
    expect(sheet1).not.toContain('<row r="2"');
    const read = await readXlsx(bytes, { sheets: ['Referrals'] });
    expect(read.sheets[0]?.rows).toEqual([['id', 'eTag', 'rowHash', 'notes', 'dealValue', 'closingDateTime', 'status']]);
    const baseline = await readWorkbookBaselineSheet(bytes);
    expect(baseline.status).toBe('found');
  });

  it('splits a baseline larger than one cell over several streamed rows, and reads it back whole', async () => {
    // Incompressible names make the baseline span several 32,767-character cells, and its JSON several gzip members.
    const rows = Array.from({ length: 6000 }, (_, i) => ({ id: `id-${i}`, eTag: `"${i}"`, cells: [randomBytes(12).toString('hex'), null, null, null] }));
    const bytes = await renderExportWorkbook(book(rows));
    const sheet4 = part(bytes, 'xl/worksheets/sheet4.xml');
    const cells = [...sheet4.matchAll(/<row r="(\d+)"/g)].map((m) => Number(m[1]));
    expect(cells.length).toBeGreaterThan(2);
    expect(cells).toEqual(cells.map((_, i) => i + 1));
    const baseline = await readWorkbookBaselineSheet(bytes);
    expect(baseline.status === 'found' ? baseline.baseline.referrals.map((r) => (r as { name?: string }).name) : baseline).toEqual(rows.map((r) => r.cells[0]));
  });
});
