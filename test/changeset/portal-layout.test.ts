import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import type { Referral } from '../../src/core/referral.js';
import { repoRoot, runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { emulatorForSuite } from '../helpers/emulator-suite.js';

// The Partner Center portal's co-sell bulk CSV, read directly: the fixture has exactly the portal's
// columns (Errors … Solution 1–50, Team member 1–50, Microsoft team member 1), with placeholders for ids.
const suite = emulatorForSuite({ generate: 60, randomSeed: 8 }, 'portal-test-token');

const template = readFileSync(join(repoRoot, 'test', 'fixtures', 'portal', 'co-sell-bulk.csv'), 'utf8');

function usDate(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return '';
  const d = new Date(iso);
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()}`;
}

function fill(a: Referral, b: Referral, extra: Record<string, string> = {}): string {
  const values: Record<string, string> = {
    ID1: a.id, ENG1: String(a['engagementId'] ?? ''), NAME1: a.name ?? '', STATUS1: a.status ?? '', SUB1: a.substatus ?? '',
    ID2: b.id, ENG2: String(b['engagementId'] ?? ''), NAME2: b.name ?? '', STATUS2: b.status ?? '', SUB2: b.substatus ?? '',
    DEAL2: String(b.details?.dealValue ?? ''), CUR2: b.details?.currency ?? '', CLOSE2: usDate(b.details?.closingDateTime),
    CRM2: b.externalReferenceId ?? '', NOTES2: b.details?.notes ?? '', ...extra,
  };
  const quote = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  return template.replace(/\{\{(\w+)\}\}/g, (_, k: string) => quote(values[k] ?? ''));
}

describe('the portal co-sell bulk CSV', () => {
  it('is recognised by its header, maps what it can, ignores the rest, and plans only what differs', async () => {
    const [a, b] = suite.emu.store.all().filter((r) => r.status === 'Active' && r.details?.closingDateTime) as [Referral, Referral];
    const dir = tempTree({ 'portal.csv': fill(a, b) });
    const run = await runCli(['plan', 'portal.csv', '--json', '--detailed-exitcode', '-o', 'plan.json'], { cwd: dir, env: suite.env });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(
      "note: the header is the Partner Center portal's co-sell bulk file: reading Referral ID → id, Deal Name → name, Partner Referral Status → status, Partner Referral Substatus → substatus, Estimated Deal Value → dealValue, Currency → currency, Estimated Close Date → closingDateTime, CRM ID → externalReferenceId, Notes → notes; checking Engagement ID against each referral (read-only: an edited value is refused); 130 other column(s) are ignored (not writable through the referrals API)",
    );
    // Said once, for the file: the read-only columns refplan cannot check are ignored even when edited.
    const ignoredNote =
      'note: Errors, Microsoft Referral Status, Microsoft MSX ID, Migrated PSC Deal ID, Microsoft team member 1 are read-only in Partner Center and have no field in the referral to compare with, so they are ignored, edited or not';
    expect(run.stderr.split(ignoredNote)).toHaveLength(2);
    const plan = JSON.parse(run.stdout) as { entries: { referralId: string; ops: { path: string; value: unknown }[] }[] };
    // Row 2 repeats referral b as it is (its date in the portal's M/D/YYYY): no entry.
    expect(plan.entries.map((e) => e.referralId)).toEqual([a.id]);
    const wanted: [string, unknown, unknown][] = [
      ['/details/dealValue', 125000.5, a.details?.dealValue],
      ['/details/currency', 'USD', a.details?.currency],
      ['/details/closingDateTime', '2027-01-30T00:00:00Z', a.details?.closingDateTime],
      ['/externalReferenceId', 'CRM-00123', a.externalReferenceId],
      ['/details/notes', 'Portal edit: budget approved', a.details?.notes],
    ];
    const ops = Object.fromEntries((plan.entries[0]?.ops ?? []).map((o) => [o.path, o.value]));
    expect(ops).toEqual(Object.fromEntries(wanted.filter(([, v, now]) => v !== now).map(([p, v]) => [p, v])));
  });

  it('refuses a value in a column whose encoding is not published (numeric reason codes), naming the cell', async () => {
    const [a, b] = suite.emu.store.all().filter((r) => r.status === 'Active' && r.details?.closingDateTime) as [Referral, Referral];
    const dir = tempTree();
    const records = parse(fill(a, b)) as string[][];
    const reason = (records[0] ?? []).indexOf('Declined/Lost/Error reason');
    records[2]![reason] = '3';
    writeFileSync(join(dir, 'portal.csv'), stringify(records, { record_delimiter: 'windows' }));
    const run = await runCli(['validate', 'portal.csv'], { cwd: dir });
    expect(run.code).toBe(3);
    expect(run.stdout).toContain(
      'portal.csv: row 3, column "Declined/Lost/Error reason": error: the portal writes this reason as a number (1–9) whose meaning Microsoft does not publish, so refplan cannot send it as a reason',
    );
    expect(run.stdout).toContain('fix: clear the cell (or delete the column) and add a statusReason column with the reason in words');
  });

  describe('its read-only columns', () => {
    const portalRecords = (a: Referral, b: Referral, edit: (records: string[][], col: (h: string) => number) => void): string => {
      const records = parse(fill(a, b)) as string[][];
      const col = (h: string) => (records[0] ?? []).indexOf(h);
      edit(records, col);
      return stringify(records, { record_delimiter: 'windows' });
    };

    it('refuses an edited Engagement ID once the plan has read the referral: file, row and column named, the current value given, exit 3, no plan written', async () => {
      const [a, b] = suite.emu.store.all().filter((r) => r.status === 'Active' && r.details?.closingDateTime) as [Referral, Referral];
      const other = '11111111-2222-4333-8444-555555555555';
      const dir = tempTree({ 'portal.csv': portalRecords(a, b, (records, col) => (records[2]![col('Engagement ID')] = other)) });
      const patches = suite.emu.stats().requests.byMethod['PATCH'] ?? 0;
      const run = await runCli(['plan', 'portal.csv', '-o', 'plan.json'], { cwd: dir, env: suite.env });
      expect(run.code, run.stdout + run.stderr).toBe(3);
      const out = run.stdout + run.stderr;
      expect(out).toContain(
        `portal.csv: row 3, column "Engagement ID": error: Engagement ID is read-only in Partner Center; refplan will not change it (the cell says "${other}", the referral has "${String(b['engagementId'])}")`,
      );
      expect(out).toContain(`fix: clear the cell or put back the current value "${String(b['engagementId'])}"`);
      expect(existsSync(join(dir, 'plan.json'))).toBe(false);
      expect(suite.emu.stats().requests.byMethod['PATCH'] ?? 0).toBe(patches);
    });

    it('lets an unedited, blank or upper-cased Engagement ID through, and ignores edits to the read-only columns it cannot check', async () => {
      const [a, b] = suite.emu.store.all().filter((r) => r.status === 'Active' && r.details?.closingDateTime) as [Referral, Referral];
      const dir = tempTree({
        'portal.csv': portalRecords(a, b, (records, col) => {
          records[1]![col('Engagement ID')] = String(a['engagementId']).toUpperCase();
          records[2]![col('Engagement ID')] = '';
          records[1]![col('Microsoft Referral Status')] = 'Won';
          records[2]![col('Microsoft MSX ID')] = 'MSX-999';
          records[2]![col('Errors')] = 'edited by hand';
        }),
      });
      const run = await runCli(['plan', 'portal.csv', '--json', '--detailed-exitcode', '-o', 'plan.json'], { cwd: dir, env: suite.env });
      expect(run.code, run.stderr).toBe(2);
      const plan = JSON.parse(run.stdout) as { entries: { referralId: string }[] };
      expect(plan.entries.map((e) => e.referralId)).toEqual([a.id]);
    });

    it('with --skip-invalid, plans the other rows and lists the refused one in the rejects file', async () => {
      const [a, b] = suite.emu.store.all().filter((r) => r.status === 'Active' && r.details?.closingDateTime) as [Referral, Referral];
      const dir = tempTree({ 'portal.csv': portalRecords(a, b, (records, col) => (records[2]![col('Engagement ID')] = 'not-the-engagement')) });
      const run = await runCli(['plan', 'portal.csv', '--json', '--skip-invalid', '-o', 'plan.json'], { cwd: dir, env: suite.env });
      expect(run.code, run.stderr).toBe(0);
      const plan = JSON.parse(run.stdout) as { entries: { referralId: string }[] };
      expect(plan.entries.map((e) => e.referralId)).toEqual([a.id]);
      const rejects = readFileSync(join(dir, 'plan.rejects.csv'), 'utf8');
      expect(rejects).toContain('portal-read-only-edited');
      expect(rejects).toContain(b.id);
    });
  });
});
