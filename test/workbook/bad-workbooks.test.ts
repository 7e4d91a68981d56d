import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeXlsx, type Cell, type WriteSheet } from 'hucre/xlsx';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { storedZip } from './stored-zip.js';

// Every workbook refplan cannot read is a clear error naming the file (and the cell), exit 3, no stack.
const ID = '3b8f0c9e-1d2a-4c5b-9e8f-7a6b5c4d3e2f';

async function validate(name: string, bytes: Uint8Array | string, args: string[] = []) {
  const dir = tempTree();
  writeFileSync(join(dir, name), bytes);
  const run = await runCli(['validate', name, ...args], { cwd: dir });
  expect(run.stdout + run.stderr).not.toMatch(/\n\s+at /); // never a stack trace
  return run;
}

function sheet(rows: WriteSheet['rows'], extra: Partial<WriteSheet> = {}): WriteSheet {
  return { name: 'Referrals', rows, ...extra };
}

describe('workbooks refplan cannot read', () => {
  it('a file that is not a zip archive', async () => {
    const run = await validate('pipeline.xlsx', 'id,dealValue\r\n1,2\r\n');
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('error: pipeline.xlsx is not an Excel workbook: an .xlsx is a zip archive and this file is not one');
    expect(run.stdout).toContain('fix: it looks like text: if it is CSV, name it .csv');
  });

  it('an encrypted workbook (a password to open)', async () => {
    const bytes = await writeXlsx({ sheets: [sheet([['id'], [ID]])], encryption: { password: 'secret', spinCount: 1000 } });
    const run = await validate('pipeline.xlsx', bytes);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('error: pipeline.xlsx is encrypted (saved with a password to open)');
  });

  it('an Excel 97-2003 .xls', async () => {
    const ole = Buffer.alloc(2048);
    Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(ole);
    Buffer.from('Workbook', 'utf16le').copy(ole, 1024);
    const run = await validate('old.xls', ole);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('error: old.xls is an Excel 97-2003 workbook (.xls), which refplan does not read');
    expect(run.stdout).toContain('fix: open it in Excel and save it as Excel Workbook (.xlsx)');
  });

  it('an Excel binary workbook (.xlsb)', async () => {
    const zip = storedZip([
      { name: '[Content_Types].xml', data: '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>' },
      { name: 'xl/workbook.bin', data: Buffer.alloc(64) },
    ]);
    const run = await validate('binary.xlsb', zip);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('error: binary.xlsb is an Excel binary workbook (.xlsb), which refplan does not read');
  });

  it('a zip bomb: more declared than the documented uncompressed limit, refused before inflating', async () => {
    const zip = storedZip([
      { name: '[Content_Types].xml', data: '<Types/>' },
      { name: 'xl/workbook.xml', data: '<workbook/>' },
      { name: 'xl/worksheets/sheet1.xml', data: '<worksheet/>', declaredSize: 600 * 1024 * 1024 },
    ]);
    const run = await validate('bomb.xlsx', zip);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('error: bomb.xlsx would decompress to 600 MB, more than the 512 MB refplan reads from a workbook');
    expect(run.stdout).toContain('fix: split it into smaller workbooks, or save the sheet as CSV');
  });

  it('a part that inflates past the size its zip entry declares (under the total limit), refused while inflating', async () => {
    const rows = [['id', 'notes'], ...Array.from({ length: 3000 }, (_, i) => [ID, `note ${i} `.repeat(8)])];
    const zip = Buffer.from(await writeXlsx({ sheets: [sheet(rows)] }));
    // The sheet's central-directory entry now declares 20,000 bytes; it inflates to far more.
    const name = Buffer.from('xl/worksheets/sheet1.xml');
    const central = Buffer.from([0x50, 0x4b, 0x01, 0x02]);
    let at = zip.indexOf(central);
    while (at >= 0 && !zip.subarray(at + 46, at + 46 + name.length).equals(name)) at = zip.indexOf(central, at + 4);
    expect(at).toBeGreaterThan(0);
    zip.writeUInt32LE(20_000, at + 24);
    const run = await validate('lying.xlsx', zip);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('error: lying.xlsx cannot be read as a workbook (xl/worksheets/sheet1.xml inflates past the 20000 bytes its zip entry declares)');
  });

  it('merged cells inside the table, named by range', async () => {
    const bytes = await writeXlsx({ sheets: [sheet([['id', 'notes', 'name'], [ID, 'merged', null]], { merges: [{ startRow: 1, startCol: 1, endRow: 1, endCol: 2 }] })] });
    const run = await validate('pipeline.xlsx', bytes);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('pipeline.xlsx: Referrals!B2: error: cells Referrals!B2:C2 are merged inside the table');
    expect(run.stdout).toContain('fix: unmerge them (Home > Merge & Center > Unmerge Cells) and fill in each cell');
  });

  it('an error cell (#N/A), named by its address', async () => {
    const bytes = await writeXlsx({ sheets: [sheet([['id', 'dealValue'], [ID, '#N/A']])] });
    const run = await validate('pipeline.xlsx', bytes);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('pipeline.xlsx: Referrals!B2: error: the cell holds the error value #N/A');
  });

  it('a 1904-based workbook with dates in the table', async () => {
    const bytes = await writeXlsx({ sheets: [sheet([['id', 'closingDateTime'], [ID, new Date('2027-03-31T00:00:00Z')]])], dateSystem: '1904' });
    const run = await validate('mac.xlsx', bytes);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('mac.xlsx: Referrals!B2: error: the workbook uses the 1904 date system (old Excel for Mac)');
  });

  it('formulas: their last calculated values are read, and a note says so; a never-calculated one is an error', async () => {
    const cells = new Map<string, Partial<Cell>>([['1,1', { formula: '1000*2', formulaResult: 2000 }]]);
    const calculated = await writeXlsx({ sheets: [sheet([['id', 'dealValue', 'currency'], [ID, null, 'EUR']], { cells })] });
    const ok = await validate('f.xlsx', calculated, ['--json']);
    expect(ok.code, ok.stdout).toBe(0);
    const notes = (JSON.parse(ok.stdout) as { diagnostics: { code: string; message: string }[] }).diagnostics;
    expect(notes.find((d) => d.code === 'formulas-read-as-values')?.message).toBe("1 cell holds a formula (first: Referrals!B2); refplan reads the value Excel last calculated for each");

    const uncalculated = await writeXlsx({ sheets: [sheet([['id', 'dealValue'], [ID, null]], { cells: new Map([['1,1', { formula: '1000*2' }]]) })] });
    const bad = await validate('g.xlsx', uncalculated);
    expect(bad.code).toBe(3);
    expect(bad.stdout).toContain('g.xlsx: Referrals!B2: error: the cell holds a formula that was never calculated, so it has no value to read');
  });

  it('a value of the wrong kind is named by its cell, with the fix, and a number typed as text goes through the number parser', async () => {
    const bytes = await writeXlsx({ sheets: [sheet([['id', 'dealValue', 'currency'], [ID, 'lots', 'EUR'], ['4c9a0d1f-2e3b-4d6c-8f9a-0b1c2d3e4f5a', '12.345', 'EURO']])] });
    const run = await validate('pipeline.xlsx', bytes);
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/pipeline\.xlsx: Referrals!B2: error: dealValue: /);
    expect(run.stdout).toMatch(/pipeline\.xlsx: Referrals!B3: error: dealValue: .*ambiguous/);
    expect(run.stdout).toContain('pipeline.xlsx: Referrals!C3: error: "EURO" is not an ISO 4217 currency code');
  });

  it('a hand-made workbook: the first sheet with a recognised header is read, or --sheet NAME', async () => {
    const bytes = await writeXlsx({
      sheets: [
        { name: 'Notes', rows: [['just some notes']] },
        { name: 'Deals', rows: [[null], ['id', 'dealValue', 'currency'], [ID, 1250.5, 'EUR']] },
      ],
    });
    const run = await validate('hand.xlsx', bytes, ['--json']);
    expect(run.code, run.stdout).toBe(0);
    const result = JSON.parse(run.stdout) as { stats: { changes: number }; diagnostics: { code: string; message: string }[] };
    expect(result.stats.changes).toBe(1);
    expect(result.diagnostics.find((d) => d.code === 'sheet-chosen')?.message).toBe('reading the sheet "Deals" (the first with a recognised header row)');
    const missing = await validate('hand.xlsx', bytes, ['--sheet', 'Deels']);
    expect(missing.code).toBe(3);
    expect(missing.stdout).toContain('error: hand.xlsx has no sheet "Deels" (it has "Notes", "Deals")');
    expect(missing.stdout).toContain('did you mean "Deals"');
  });
});
