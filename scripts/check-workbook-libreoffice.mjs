#!/usr/bin/env node
// CI check (issue 12): a workbook `refplan export` writes opens in LibreOffice, and every cell it
// shows is the referral's value. Exports from an emulator through the built CLI, converts the
// Referrals sheet with `soffice --headless --convert-to csv`, and compares cell by cell.
// Needs `npm run build` and LibreOffice (Debian: libreoffice-calc-nogui); `npm test` needs neither.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { startEmulator } = await import(join(root, 'dist', 'src', 'emulator', 'index.js'));
const cli = join(root, 'dist', 'src', 'cli', 'bin.js');
const dir = mkdtempSync(join(tmpdir(), 'refplan-libreoffice-'));
const emu = await startEmulator({ generate: 60, randomSeed: 31 });
let failures = 0;
let checked = 0;
try {
  // Asynchronously: the emulator answers from this process's event loop.
  await run(process.execPath, [cli, 'export', '--where', 'status=Active', '-o', join(dir, 'pipeline.xlsx')], {
    env: { ...process.env, REFPLAN_TOKEN: 'libreoffice-check', REFPLAN_BASE_URL: emu.url },
  });
  // Field separator 44 (,), text delimiter 34 ("), UTF-8 (76): the first sheet, Referrals.
  await run('soffice', ['--headless', '--norestore', `-env:UserInstallation=file://${join(dir, 'profile')}`, '--convert-to', 'csv:Text - txt - csv (StarCalc):44,34,76,1', '--outdir', dir, join(dir, 'pipeline.xlsx')], {
    timeout: 300_000,
  });
  const [header, ...rows] = parse(readFileSync(join(dir, 'pipeline.csv'), 'utf8'), { bom: true });
  const col = (name) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`LibreOffice shows no column "${name}" (it shows ${header.join(', ')})`);
    return i;
  };
  const referrals = emu.store.all().filter((r) => r.status === 'Active');
  const day = (iso) => (iso ? iso.slice(0, 19).replace('T', ' ') : '');
  const expect = (what, shown, wanted) => {
    checked++;
    if (shown === wanted) return;
    failures++;
    if (failures <= 20) console.error(`mismatch: ${what}: LibreOffice shows ${JSON.stringify(shown)}, the referral has ${JSON.stringify(wanted)}`);
  };
  if (rows.length !== referrals.length) {
    failures++;
    console.error(`LibreOffice shows ${rows.length} rows, the export had ${referrals.length} referrals`);
  }
  referrals.forEach((r, i) => {
    const row = rows[i] ?? [];
    const cell = (name) => row[col(name)] ?? '';
    expect(`row ${i + 2} id`, cell('id'), r.id);
    expect(`row ${i + 2} eTag`, cell('eTag'), r.eTag);
    for (const f of ['name', 'status', 'substatus', 'qualification']) expect(`row ${i + 2} ${f}`, cell(f), r[f] ?? '');
    expect(`row ${i + 2} externalReferenceId`, cell('externalReferenceId'), r.externalReferenceId ?? '');
    expect(`row ${i + 2} currency`, cell('currency'), r.details?.currency ?? '');
    expect(`row ${i + 2} notes`, cell('notes'), r.details?.notes ?? '');
    expect(`row ${i + 2} dealValue`, Number(cell('dealValue').replaceAll(',', '')), r.details?.dealValue);
    expect(`row ${i + 2} closingDateTime`, cell('closingDateTime'), day(r.details?.closingDateTime));
    expect(`row ${i + 2} customerName`, cell('customerName (read-only)'), r.customerProfile?.name ?? '');
  });
} finally {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
}
console.log(`LibreOffice workbook check: ${checked} cells compared, ${failures} mismatches${failures === 0 ? '' : ' (FAILED)'}`);
process.exit(failures === 0 ? 0 : 1);
