import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { editSheet, readSheet } from '../helpers/csv-edit.js';
import { emulatorForSuite } from '../helpers/emulator-suite.js';

// Context columns, read-only cells and blank-means-clear, through the built CLI against the emulator.
const suite = emulatorForSuite({ generate: 60, randomSeed: 11 }, 'rules-test-token');

interface PlanJson {
  entries: { referralId: string; ops: { op: string; path: string; value: unknown }[] }[];
}

async function exported(args: string[] = []): Promise<string> {
  const dir = tempTree();
  const run = await runCli(['export', '--where', 'status=Active', '-o', 'r.csv', ...args], { cwd: dir, env: suite.env });
  expect(run.code, run.stderr).toBe(0);
  return dir;
}

describe('export context columns', () => {
  it('writes the read-only context columns by default, marked in the header, with each referral’s values', async () => {
    const dir = await exported();
    const { header, rows } = readSheet(join(dir, 'r.csv'));
    expect(header.slice(0, 10)).toEqual([
      'id',
      'eTag',
      'customerName (read-only)',
      'country (read-only)',
      'city (read-only)',
      'createdDateTime (read-only)',
      'expirationDateTime (read-only)',
      'type (read-only)',
      'direction (read-only)',
      'teamSize (read-only)',
    ]);
    const row = rows[0]!;
    const r = suite.emu.store.get(row['id']!)!;
    expect(row['customerName (read-only)']).toBe((r.customerProfile as { name?: string }).name);
    expect(row['country (read-only)']).toBe((r.customerProfile as { address?: { country?: string } }).address?.country);
    expect(row['createdDateTime (read-only)']).toBe(r.createdDateTime);
    expect(row['direction (read-only)']).toBe(r.direction);
    expect(row['teamSize (read-only)']).toBe(String(r.team?.length ?? 0));
    // Unedited, it still plans to nothing with no reads: context cells are not changes.
    const plan = await runCli(['plan', 'r.csv', '--json', '--detailed-exitcode'], { cwd: dir, env: suite.env });
    expect(plan.code, plan.stderr).toBe(0);
    expect((JSON.parse(plan.stdout) as PlanJson).entries).toEqual([]);
  });

  it('--columns chooses the columns after id and eTag, in the order given; an unknown name is refused with a suggestion', async () => {
    const dir = await exported(['--columns', 'customerName,dealValue,currency,notes']);
    expect(readSheet(join(dir, 'r.csv')).header).toEqual(['id', 'eTag', 'customerName (read-only)', 'dealValue', 'currency', 'notes']);
    const bad = await runCli(['export', '-o', 'x.csv', '--columns', 'custmerName,notes'], { cwd: dir, env: suite.env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('there is no column "custmerName"');
    expect(bad.stderr).toContain('did you mean "customerName"?');
  });

  it('an edited read-only cell is refused naming its cell; a spreadsheet re-spelling a date is not an edit', async () => {
    const dir = await exported();
    const path = join(dir, 'r.csv');
    let edited = '';
    editSheet(path, (_, sheet) => {
      const [a, b] = sheet.rows as [Record<string, string>, Record<string, string>];
      edited = a['id']!;
      a['customerName (read-only)'] = 'Someone Else Ltd';
      // 2025-05-15T20:00:36.000Z as Excel shows it after a save in a day-first locale.
      const [y, m, d] = (b['createdDateTime (read-only)'] ?? '').slice(0, 10).split('-');
      b['createdDateTime (read-only)'] = `${d}/${m}/${y} 20:00`;
    });
    const before = suite.emu.stats().requests.total;
    const run = await runCli(['plan', 'r.csv'], { cwd: dir, env: suite.env });
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toContain('r.csv: row 2, column "customerName (read-only)": error: the customer name cannot be changed through the API');
    expect(run.stderr).toContain('Someone Else Ltd');
    expect(run.stderr).not.toContain('row 3');
    expect(suite.emu.stats().requests.total).toBe(before);
    expect(edited).not.toBe('');
  });
});

describe('blank means clear in refplan’s own export', () => {
  it('an emptied cell of a clearable field clears it (shown as a clear); of another field it is an error naming the cell', async () => {
    const dir = await exported();
    const path = join(dir, 'r.csv');
    const withNotes = readSheet(path).rows.filter((r) => r['notes'] !== '');
    const [a, b] = withNotes as [Record<string, string>, Record<string, string>];
    editSheet(path, (byId) => {
      byId.get(a['id']!)!['notes'] = '';
    });
    const run = await runCli(['plan', 'r.csv', '--json'], { cwd: dir, env: suite.env });
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as PlanJson).entries).toEqual([
      expect.objectContaining({ referralId: a['id'], ops: [{ op: 'replace', path: '/details/notes', value: null }] }),
    ]);
    const human = await runCli(['plan', 'r.csv'], { cwd: dir, env: suite.env });
    expect(human.stdout).toMatch(/notes .* → \(none\)/);

    editSheet(path, (byId) => {
      byId.get(b['id']!)!['dealValue'] = '';
    });
    const refused = await runCli(['plan', 'r.csv'], { cwd: dir, env: suite.env });
    expect(refused.code).toBe(3);
    const row = readSheet(path).rows.findIndex((r) => r['id'] === b['id']) + 2;
    expect(refused.stderr).toContain(`r.csv: row ${row}, column "dealValue": error: dealValue cannot be cleared`);
    expect(refused.stderr).toContain('fix: put back');
  });

  it('a hand-written CSV (no baseline) keeps blank = leave unchanged', async () => {
    const dir = tempTree();
    const r = suite.emu.store.all().find((x) => x.status === 'Active' && typeof x.details?.notes === 'string' && x.details.notes !== '')!;
    writeFileSync(join(dir, 'mine.csv'), `id,notes,dealValue,qualification\r\n${r.id},,,Direct\r\n`);
    const run = await runCli(['plan', 'mine.csv', '--json'], { cwd: dir, env: suite.env });
    expect(run.code, run.stderr).toBe(0);
    const entries = (JSON.parse(run.stdout) as PlanJson).entries;
    const ops = entries.flatMap((e) => e.ops.map((o) => o.path));
    expect(ops).not.toContain('/details/notes');
    expect(ops).not.toContain('/details/dealValue');
  });
});
