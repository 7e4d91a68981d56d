import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { editSheet } from '../helpers/csv-edit.js';
import { runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { emulatorForSuite } from '../helpers/emulator-suite.js';

/** validate of refplan's own export counts edited rows, not exported rows (built CLI). */
const suite = emulatorForSuite({ generate: 30, randomSeed: 23 }, 'edits-token');

describe('validate of an edited export', () => {
  it('says "5 changes valid" for an export with 5 edited rows', async () => {
    const dir = tempTree();
    expect((await runCli(['export', '-o', 'x.csv'], { cwd: dir, env: suite.env })).code).toBe(0);
    const sheet = editSheet(join(dir, 'x.csv'), (_byId, s) => {
      for (const row of s.rows.slice(0, 5)) row['notes'] = `edited ${row['id'] ?? ''}`;
    });
    expect(sheet.rows.length).toBeGreaterThan(5);
    const run = await runCli(['validate', 'x.csv'], { cwd: dir });
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toContain(`✓ 5 changes valid in 1 file, ${sheet.rows.length} rows (${sheet.rows.length - 5} exported rows not edited).`);
  });

  it('refuses offline what plan would refuse: an edited read-only cell, an emptied deal value', async () => {
    const dir = tempTree();
    expect((await runCli(['export', '--columns', 'customerName,dealValue,currency,notes', '-o', 'x.csv'], { cwd: dir, env: suite.env })).code).toBe(0);
    editSheet(join(dir, 'x.csv'), (_byId, s) => {
      const [first, second, third] = s.rows;
      if (first === undefined || second === undefined || third === undefined) throw new Error('the export has fewer than 3 rows');
      first['customerName (read-only)'] = 'Someone Else Ltd';
      second['dealValue'] = '';
      third['notes'] = 'a valid edit';
    });
    const run = await runCli(['validate', 'x.csv'], { cwd: dir });
    expect(run.code, run.stdout).toBe(3);
    expect(run.stdout).toMatch(/x\.csv: row 2, column "customerName \(read-only\)": error: the customer name cannot be changed through the API/);
    expect(run.stdout).toMatch(/x\.csv: row 3, column "dealValue": error: dealValue cannot be cleared: the cell is empty/);
    expect(run.stdout).toContain('✗ 2 errors');
  });
});

describe('validate and plan agree on an edited export', () => {
  it('validate reports exactly the errors plan refuses with (same codes, messages, locations), offline', async () => {
    const dir = tempTree();
    expect((await runCli(['export', '--where', 'status=Active', '-o', 'x.csv'], { cwd: dir, env: suite.env })).code).toBe(0);
    editSheet(join(dir, 'x.csv'), (_byId, s) => {
      const [a, b, c, d, e] = s.rows;
      if (e === undefined || a === undefined || b === undefined || c === undefined || d === undefined) throw new Error('the export has fewer than 5 rows');
      a['customerName (read-only)'] = 'Someone Else Ltd';
      a['country (read-only)'] = 'XX';
      b['dealValue'] = '';
      c['currency'] = '';
      d['notes'] = ''; // clearable: a clear, not an error
      e['notes'] = 'a valid edit';
    });
    const validate = await runCli(['validate', 'x.csv', '--json'], { cwd: dir });
    expect(validate.code, validate.stdout).toBe(3);
    const plan = await runCli(['plan', 'x.csv', '--json', '-o', 'p.json'], { cwd: dir, env: suite.env });
    expect(plan.code, plan.stderr).toBe(3);
    type D = { severity: string; code: string; message: string; at?: unknown };
    const errorsOf = (ds: D[]) => ds.filter((x) => x.severity === 'error').map(({ code, message, at }) => ({ code, message, at }));
    const validated = errorsOf((JSON.parse(validate.stdout) as { diagnostics: D[] }).diagnostics);
    const planned = errorsOf((JSON.parse(plan.stderr) as { error: { meta: { diagnostics: D[] } } }).error.meta.diagnostics);
    expect(validated.length).toBe(4);
    expect(validated).toEqual(planned);
    expect(validated.map((x) => x.code).sort()).toEqual(['blank-not-clearable', 'blank-not-clearable', 'read-only-cell', 'read-only-cell']);
    // The two rows that pass: the clear and the edit.
    expect((JSON.parse(validate.stdout) as { stats: { changes: number } }).stats.changes).toBe(2);
  });
});
