import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openXlsx, saveXlsx, type Sheet } from 'hucre/xlsx';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { emulatorForSuite } from '../helpers/emulator-suite.js';

// The export rules of the CSV round trip (export-row-rules.ts) hold for a workbook unchanged:
// an emptied cell clears the value it had, and an edited read-only cell is refused, by its address.
const suite = emulatorForSuite({ generate: 50, randomSeed: 19 }, 'rules-test-token');

function set(sheet: Sheet, row: number, header: string, value: string | null): void {
  const col = (sheet.rows[0] ?? []).indexOf(header);
  expect(col, header).toBeGreaterThanOrEqual(0);
  sheet.rows[row]![col] = value;
  const detailed = sheet.cells?.get(`${row},${col}`);
  if (detailed !== undefined) detailed.value = value;
}

describe('workbook export rules', () => {
  it('an emptied cell clears the exported value; an edited read-only cell is refused, naming its cell', async () => {
    const dir = tempTree();
    const path = join(dir, 'pipeline.xlsx');
    const run = await runCli(['export', '--where', 'status=Active', '-o', 'pipeline.xlsx'], { cwd: dir, env: suite.env });
    expect(run.code, run.stderr).toBe(0);
    const book = await openXlsx(new Uint8Array(readFileSync(path)), { readStyles: true });
    const sheet = book.sheets.find((s) => s.name === 'Referrals')!;
    const header = sheet.rows[0] as string[];
    const notesCol = header.indexOf('notes');
    const row = sheet.rows.findIndex((r, i) => i > 0 && typeof r[notesCol] === 'string' && r[notesCol] !== '');
    expect(row).toBeGreaterThan(0);
    const id = sheet.rows[row]![header.indexOf('id')];
    set(sheet, row, 'notes', null);
    set(sheet, row + 1, 'customerName (read-only)', 'Someone Else Ltd');
    writeFileSync(path, await saveXlsx(book));

    const refused = await runCli(['plan', 'pipeline.xlsx'], { cwd: dir, env: suite.env });
    expect(refused.code).toBe(3);
    const letter = String.fromCharCode(65 + header.indexOf('customerName (read-only)'));
    expect(refused.stdout + refused.stderr).toMatch(new RegExp(`pipeline\\.xlsx: Referrals!${letter}${row + 2}: error: the customer name cannot be changed through the API`));

    const back = await openXlsx(new Uint8Array(readFileSync(path)), { readStyles: true });
    const again = back.sheets.find((s) => s.name === 'Referrals')!;
    const original = suite.emu.store.get(String(again.rows[row + 1]![header.indexOf('id')]))!;
    set(again, row + 1, 'customerName (read-only)', String((original['customerProfile'] as { name: string }).name));
    writeFileSync(path, await saveXlsx(back));
    const planned = await runCli(['plan', 'pipeline.xlsx', '--json', '--detailed-exitcode', '-o', 'plan.json'], { cwd: dir, env: suite.env });
    expect(planned.code, planned.stderr).toBe(2);
    const plan = JSON.parse(planned.stdout) as { entries: { referralId: string; ops: { path: string; value: unknown }[] }[]; readRequests: number };
    expect(plan.readRequests).toBe(0);
    expect(plan.entries.map((e) => e.referralId)).toEqual([id]);
    expect(plan.entries[0]?.ops).toEqual([{ op: 'replace', path: '/details/notes', value: null }]);
  }, 120_000);
});
