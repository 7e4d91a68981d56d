import { streamXlsxRows, writeXlsx, XlsxStreamWriter, type CellValue } from 'hucre/xlsx';
import { zipSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { readSheetRows, UnreadablePartError, type SheetRow } from '../../src/files/workbook/sheet-rows.js';
import { readWorkbookDirectory } from '../../src/files/workbook/sheet-scan.js';
import { readZipDirectory } from '../../src/files/workbook/zip-directory.js';
import { storedZip } from './stored-zip.js';

// refplan reads sheets with its own row stream (sheet-rows.ts: saxes over the inflated part, the
// shared strings as a plain array), because hucre's parses the shared strings into a document tree
// first. These tests hold it to hucre's answers, cell for cell, on the files hucre writes and on
// hand-written XML with what Excel, LibreOffice and others put there.

async function ours(bytes: Uint8Array, sheetName: string): Promise<SheetRow[]> {
  const entries = readZipDirectory(bytes) ?? [];
  const directory = readWorkbookDirectory(bytes, entries);
  const sheet = directory?.sheets.find((s) => s.name === sheetName);
  expect(sheet, sheetName).toBeDefined();
  const rows: SheetRow[] = [];
  const parts = { data: bytes, entries, sharedStringsPath: directory?.sharedStringsPath, stylesPath: directory?.stylesPath, date1904: directory?.date1904 ?? false };
  for await (const row of readSheetRows(parts, sheet?.path ?? '')) rows.push(row);
  return rows;
}

async function hucres(bytes: Uint8Array, sheet: string): Promise<{ index: number; values: CellValue[] }[]> {
  const rows: { index: number; values: CellValue[] }[] = [];
  for await (const row of streamXlsxRows(bytes, { sheet })) rows.push({ index: row.index, values: row.values });
  return rows;
}

const WORKBOOK_PARTS = (sheetXml: string, extra: { sst?: string; styles?: string; workbookPr?: string } = {}) => [
  {
    name: '[Content_Types].xml',
    data: '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>',
  },
  {
    name: '_rels/.rels',
    data: '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
  },
  {
    name: 'xl/workbook.xml',
    data: `<?xml version="1.0"?><x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">${extra.workbookPr ?? ''}<x:sheets><x:sheet name="Data" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>`,
  },
  {
    name: 'xl/_rels/workbook.xml.rels',
    data: '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>',
  },
  { name: 'xl/sharedStrings.xml', data: extra.sst ?? '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>' },
  {
    name: 'xl/styles.xml',
    data:
      extra.styles ??
      '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="2"><numFmt numFmtId="164" formatCode="[$-413]d-mmm-yy;@"/><numFmt numFmtId="165" formatCode="#,##0.00\\ &quot;kr&quot;"/></numFmts><cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="165"/></cellXfs></styleSheet>',
  },
  { name: 'xl/worksheets/sheet1.xml', data: sheetXml },
];

describe('the workbook row stream', () => {
  it('reads what hucre writes (shared strings, styles, dates, booleans, rich text) exactly as hucre reads it', async () => {
    const bytes = await writeXlsx({
      sheets: [
        {
          name: 'Data',
          rows: [
            ['id', 'amount', 'when', 'flag', 'text'],
            ['00123', 1234.56, new Date(Date.UTC(2027, 2, 31, 14, 30)), true, '  spaced  '],
            ['b', -0.5, new Date(Date.UTC(1900, 1, 28)), false, 'größer – 😀 & <tags>'],
            [null, null, null, null, 'line\r\nbreak\ttab'],
            ['c', 1e21, new Date(Date.UTC(1970, 0, 1)), null, ''],
          ],
          columns: [{ style: { numFmt: '@' } }, { style: { numFmt: '#,##0.00' } }, { style: { numFmt: 'yyyy-mm-dd hh:mm:ss' } }, {}, {}],
          cells: new Map([['2,4', { value: 'rich', richText: [{ text: 'ri', font: { bold: true } }, { text: 'ch' }] }]]),
        },
      ],
    });
    expect(await ours(bytes, 'Data')).toEqual(await hucres(bytes, 'Data'));
  });

  it("reads what hucre's stream writer writes, which Excel's own files resemble (every string shared)", async () => {
    const writer = new XlsxStreamWriter({ name: 'Data' });
    writer.addRow(['id', 'n', 'd']);
    for (let i = 0; i < 300; i++) writer.addRow([`id-${i}`, i * 1.5, i % 2 === 0 ? new Date(Date.UTC(2026, i % 12, 1)) : null]);
    const bytes = await writer.finish();
    const read = await ours(bytes, 'Data');
    expect(read).toEqual(await hucres(bytes, 'Data'));
    expect(read).toHaveLength(301);
  });

  it('reads hand-written XML as hucre does: prefixed tags, cells and rows without r, phonetic runs, inline rich text, CDATA, entities, str/b/e cells, custom date formats', async () => {
    const sst =
      '<x:sst xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4" uniqueCount="4">' +
      '<x:si><x:t>plain</x:t></x:si>' +
      '<x:si><x:r><x:rPr><x:b/></x:rPr><x:t xml:space="preserve">bold </x:t></x:r><x:r><x:t>run</x:t></x:r></x:si>' +
      '<x:si><x:t>東京</x:t><x:rPh sb="0" eb="2"><x:t>トウキョウ</x:t></x:rPh><x:phoneticPr fontId="1"/></x:si>' +
      '<x:si><x:t>CR_x000D_LF and _x005F_x0041_</x:t></x:si>' +
      '</x:sst>';
    const sheetXml =
      '<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>' +
      '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c><x:c r="C1" t="s"><x:v>2</x:v></x:c><x:c r="D1" t="s"><x:v>3</x:v></x:c></x:row>' +
      '<x:row><x:c t="inlineStr"><x:is><x:r><x:t>in</x:t></x:r><x:r><x:t>line</x:t></x:r></x:is></x:c><x:c t="str"><x:f>A1&amp;"x"</x:f><x:v>plainx</x:v></x:c><x:c t="b"><x:v>1</x:v></x:c><x:c t="e"><x:v>#N/A</x:v></x:c></x:row>' +
      '<x:row r="5"><x:c r="B5" s="1"><x:v>46477</x:v></x:c><x:c r="C5" s="2"><x:v>46477.25</x:v></x:c><x:c r="D5" s="3"><x:v>1234.5</x:v></x:c><x:c r="F5" t="inlineStr"><x:is><x:t><![CDATA[<cdata> & text]]></x:t></x:is></x:c></x:row>' +
      '<x:row r="6"><x:c r="A6" t="inlineStr"><x:is><x:t>&#x41;&#66;&amp;&lt;&gt;&quot;&apos;</x:t></x:is></x:c><x:c r="B6"><x:v></x:v></x:c><x:c r="C6" t="s"><x:v>99</x:v></x:c></x:row>' +
      '<x:row r="7"/>' +
      '</x:sheetData><x:mergeCells count="0"/></x:worksheet>';
    const bytes = storedZip(WORKBOOK_PARTS(sheetXml, { sst }));
    const read = await ours(bytes, 'Data');
    expect(read).toEqual(await hucres(bytes, 'Data'));
    // And what that is, spelled out (hucre's answers are the reference, not the goal).
    expect(read[0]?.values).toEqual(['plain', 'bold run', '東京', 'CR\rLF and _x0041_']);
    expect(read[1]).toEqual({ index: 1, values: ['inline', 'plainx', true, '#N/A'] });
    expect(read[2]?.values).toEqual([null, new Date(Date.UTC(2027, 2, 31)), new Date(Date.UTC(2027, 2, 31, 6)), 1234.5, null, '<cdata> & text']);
    expect(read[3]?.values).toEqual(['AB&<>"\'', null, null]);
    expect(read[4]).toEqual({ index: 6, values: [] });
  });

  it('reads 1904-based serials as hucre does', async () => {
    const sheetXml = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" s="1"><v>45000</v></c></row></sheetData></worksheet>';
    const bytes = storedZip(WORKBOOK_PARTS(sheetXml, { workbookPr: '<x:workbookPr date1904="1"/>' }));
    const read = await ours(bytes, 'Data');
    expect(read).toEqual(await hucres(bytes, 'Data'));
    expect(read[0]?.values[0]).toEqual(new Date(Date.UTC(2027, 2, 16)));
  });

  it('refuses, as unreadable, a part that is not well-formed XML and one that inflates past the size its zip entry declares', async () => {
    const broken = storedZip(WORKBOOK_PARTS('<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'));
    await expect(ours(broken, 'Data')).rejects.toThrow(UnreadablePartError);

    const big = `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${'<row><c t="inlineStr"><is><t>filler</t></is></c></row>'.repeat(20000)}</sheetData></worksheet>`;
    const files = Object.fromEntries(WORKBOOK_PARTS(big).map((p) => [p.name, strToU8(p.data)]));
    const zip = Buffer.from(zipSync(files, { level: 6 }));
    // Make the sheet's central-directory entry declare 1,000 bytes: a lie the reader must catch while inflating.
    const name = Buffer.from('xl/worksheets/sheet1.xml');
    let at = zip.indexOf(Buffer.concat([Buffer.from([0x50, 0x4b, 0x01, 0x02])]));
    while (at >= 0 && !zip.subarray(at + 46, at + 46 + name.length).equals(name)) at = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), at + 4);
    expect(at).toBeGreaterThan(0);
    zip.writeUInt32LE(1000, at + 24);
    await expect(ours(zip, 'Data')).rejects.toThrow(/inflates past the 1000 bytes/);
  });
});
