import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openXlsx, readXlsx, saveXlsx, type Sheet } from 'hucre/xlsx';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { emulatorForSuite } from '../helpers/emulator-suite.js';

// export .xlsx → edit cells with a library, as Excel saves them → validate → plan (0 reads,
// exactly the edited cells) → apply → export again shows the new values.
const suite = emulatorForSuite({ generate: 120, randomSeed: 12 }, 'workbook-test-token');

function column(sheet: Sheet, header: string): number {
  const i = (sheet.rows[0] ?? []).indexOf(header);
  expect(i, header).toBeGreaterThanOrEqual(0);
  return i;
}

/** A cell edit as Excel saves it: the value (its style, e.g. the date format, stays). */
function setCell(sheet: Sheet, row: number, col: number, value: string | number | Date): void {
  sheet.rows[row]![col] = value;
  const detailed = sheet.cells?.get(`${row},${col}`);
  if (detailed !== undefined) detailed.value = value;
}

async function dataSheet(path: string): Promise<Sheet> {
  const book = await readXlsx(new Uint8Array(readFileSync(path)), { sheets: ['Referrals'] });
  return book.sheets[0]!;
}

describe('workbook round trip through the built CLI', () => {
  it('plans only the edited cells with zero reads, applies them, and a new export shows them', async () => {
    const dir = tempTree();
    const exported = await runCli(['export', '--where', 'status=Active', '-o', 'pipeline.xlsx'], { cwd: dir, env: suite.env });
    expect(exported.code, exported.stderr).toBe(0);
    const path = join(dir, 'pipeline.xlsx');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(existsSync(`${path}.refplan-baseline.json`)).toBe(false); // the workbook carries its baseline

    suite.emu.reset();
    const unedited = await runCli(['plan', 'pipeline.xlsx', '--json', '--detailed-exitcode', '-o', 'p0.json'], { cwd: dir, env: suite.env });
    expect(unedited.code, unedited.stderr).toBe(0);
    expect((JSON.parse(unedited.stdout) as { entries: unknown[] }).entries).toEqual([]);
    expect(suite.emu.stats().requests.total).toBe(0);

    // Edit as Excel would: a typed number, a typed date, text, and a number typed into the
    // Text-formatted notes column's neighbour as a string in a decimal-comma spelling.
    const book = await openXlsx(new Uint8Array(readFileSync(path)), { readStyles: true });
    const sheet = book.sheets.find((s) => s.name === 'Referrals')!;
    const id = column(sheet, 'id');
    const eTag = column(sheet, 'eTag');
    const deal = column(sheet, 'dealValue');
    const notes = column(sheet, 'notes');
    const closing = column(sheet, 'closingDateTime');
    const [a, b, c] = [sheet.rows[1]!, sheet.rows[2]!, sheet.rows[3]!];
    setCell(sheet, 1, deal, 777777);
    setCell(sheet, 2, notes, '  Customer asked for a call back\r\nTuesday  ');
    setCell(sheet, 2, closing, new Date('2027-03-31T00:00:00Z'));
    setCell(sheet, 3, deal, '1.234,56');
    writeFileSync(path, await saveXlsx(book));

    const validate = await runCli(['validate', 'pipeline.xlsx'], { cwd: dir });
    expect(validate.code, validate.stdout).toBe(0);
    // As for a CSV export: the edited rows are the changes, the rest are counted as not edited.
    const rows = sheet.rows.length - 1;
    expect(validate.stdout).toContain(`✓ 3 changes valid in 1 file, ${rows} rows (${rows - 3} exported rows not edited).`);

    const planned = await runCli(['plan', 'pipeline.xlsx', '--json', '--detailed-exitcode', '-o', 'plan.json'], { cwd: dir, env: suite.env });
    expect(planned.code, planned.stderr).toBe(2);
    const plan = JSON.parse(planned.stdout) as { entries: { referralId: string; eTag: string; ops: { op: string; path: string; value: unknown }[] }[]; readRequests: number };
    expect(plan.readRequests).toBe(0);
    expect(suite.emu.stats().requests.total).toBe(0);
    expect(plan.entries.map((e) => e.referralId)).toEqual([a[id], b[id], c[id]]);
    // Each row pins the version exported (its hidden eTag cell), as a CSV row does: If-Match catches a later edit.
    expect(plan.entries.map((e) => e.eTag)).toEqual([a[eTag], b[eTag], c[eTag]]);
    expect(plan.entries[0]?.ops).toEqual([{ op: 'replace', path: '/details/dealValue', value: 777777 }]);
    expect(plan.entries[1]?.ops).toEqual([
      { op: 'replace', path: '/details/closingDateTime', value: '2027-03-31T00:00:00Z' },
      { op: 'replace', path: '/details/notes', value: '  Customer asked for a call back\r\nTuesday  ' },
    ]);
    expect(plan.entries[2]?.ops).toEqual([{ op: 'replace', path: '/details/dealValue', value: 1234.56 }]);

    const applied = await runCli(['apply', 'plan.json', '--yes'], { cwd: dir, env: suite.env });
    expect(applied.code, applied.stderr + applied.stdout).toBe(0);

    const again = await runCli(['export', '--where', 'status=Active', '-o', 'again.xlsx'], { cwd: dir, env: suite.env });
    expect(again.code, again.stderr).toBe(0);
    const after = await dataSheet(join(dir, 'again.xlsx'));
    const row = (referral: unknown) => after.rows.find((r) => r[column(after, 'id')] === referral)!;
    expect(row(a[id])[column(after, 'dealValue')]).toBe(777777);
    expect(row(b[id])[column(after, 'notes')]).toBe('  Customer asked for a call back\r\nTuesday  ');
    expect((row(b[id])[column(after, 'closingDateTime')] as Date).toISOString()).toBe('2027-03-31T00:00:00.000Z');
    expect(row(c[id])[column(after, 'dealValue')]).toBe(1234.56);
  }, 180_000); // seven runs of the built CLI: generous for a loaded machine, not a speed check
});
