import { describe, expect, it } from 'vitest';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { emulatorForSuite } from '../helpers/emulator-suite.js';

// export → plan (no reads, no changes) → edit cells → plan (exactly those ops, exported eTags pinned).
const suite = emulatorForSuite({ generate: 300, randomSeed: 5 }, 'export-test-token');

type Row = Record<string, string>;
function readCsv(path: string, delimiter = ','): { header: string[]; rows: Row[] } {
  const text = readFileSync(path, 'utf8');
  expect(text.charCodeAt(0)).toBe(0xfeff); // UTF-8 BOM for Excel
  const records = parse(text, { bom: true, delimiter }) as string[][];
  const [header = [], ...body] = records;
  return { header, rows: body.map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']))) };
}

describe('spreadsheet round trip', () => {
  it('export writes every vocabulary field + id + eTag, 0600, with a 0600 baseline sidecar', async () => {
    const dir = tempTree();
    const run = await runCli(['export', '--where', 'status=Active', '-o', 'referrals.csv'], { cwd: dir, env: suite.env });
    expect(run.code, run.stderr).toBe(0);
    const path = join(dir, 'referrals.csv');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(`${path}.refplan-baseline.json`).mode & 0o777).toBe(0o600);
    const { header, rows } = readCsv(path);
    expect(header.slice(0, 2)).toEqual(['id', 'eTag']);
    for (const f of ['name', 'externalReferenceId', 'status', 'substatus', 'statusReason', 'qualification', 'dealValue', 'currency', 'closingDateTime', 'notes', 'addTeamMember.email']) {
      expect(header).toContain(f);
    }
    const actives = suite.emu.store.all().filter((r) => r.status === 'Active');
    expect(rows.map((r) => r['id'])).toEqual(actives.map((r) => r.id));
    expect(rows[0]?.['eTag']).toBe(actives[0]?.eTag);
    const validate = await runCli(['validate', 'referrals.csv'], { cwd: dir });
    expect(validate.code, validate.stderr).toBe(0);
  });

  it('an unedited export plans to zero changes with zero reads; edited cells become exactly their ops, pinned to the exported eTags', async () => {
    const dir = tempTree();
    expect((await runCli(['export', '--where', 'status=Active', '--delimiter', ';', '-o', 'r.csv'], { cwd: dir, env: suite.env })).code).toBe(0);
    suite.emu.reset();
    const unedited = await runCli(['plan', 'r.csv', '--json', '--detailed-exitcode'], { cwd: dir, env: suite.env });
    expect(unedited.code, unedited.stderr).toBe(0);
    const empty = JSON.parse(unedited.stdout) as { entries: unknown[]; readRequests: number };
    expect(empty.entries).toEqual([]);
    expect(empty.readRequests).toBe(0);
    expect(suite.emu.stats().requests.total).toBe(0);

    // Edit two cells of two rows, as a user would in Excel, and save.
    const path = join(dir, 'r.csv');
    const text = readFileSync(path, 'utf8');
    const { header, rows } = readCsv(path, ';');
    const [a, b] = rows as [Row, Row];
    a['dealValue'] = '777777';
    b['notes'] = 'Customer asked for a call back';
    b['closingDateTime'] = '2027-03-31T00:00:00.000Z';
    const quote = (s: string) => (/[;"\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
    const lines = text.replace(/^\uFEFF/, '').split('\r\n');
    lines[1] = header.map((h) => quote(a[h] ?? '')).join(';');
    lines[2] = header.map((h) => quote(b[h] ?? '')).join(';');
    writeFileSync(path, '\uFEFF' + lines.join('\r\n'));

    // Meanwhile someone edits referral b on the server: the plan still pins the exported eTag.
    const edit = await fetch(`${suite.emu.url}/engagements/referrals/${b['id']}`, {
      method: 'PATCH',
      headers: { Authorization: 'Bearer other-user', 'Content-Type': 'application/json' },
      body: JSON.stringify([{ op: 'replace', path: '/name', value: 'Renamed meanwhile' }]),
    });
    expect(edit.status).toBeLessThan(300);
    const current = suite.emu.store.get(b['id'] as string)!;
    expect(current.eTag).not.toBe(b['eTag']);
    const statsBefore = suite.emu.stats().requests.total;
    const edited = await runCli(['plan', 'r.csv', '--json', '--detailed-exitcode'], { cwd: dir, env: suite.env });
    expect(edited.code, edited.stderr).toBe(2);
    const planned = JSON.parse(edited.stdout) as { entries: { referralId: string; eTag: string; ops: { op: string; path: string; value: unknown }[] }[]; readRequests: number };
    expect(planned.readRequests).toBe(0);
    expect(suite.emu.stats().requests.total).toBe(statsBefore);
    expect(planned.entries.map((e) => e.referralId)).toEqual([a['id'], b['id']]);
    expect(planned.entries[0]?.ops).toEqual([{ op: 'replace', path: '/details/dealValue', value: 777777 }]);
    expect(planned.entries[0]?.eTag).toBe(a['eTag']);
    expect(planned.entries[1]?.ops.map((o) => o.path).sort()).toEqual(['/details/closingDateTime', '/details/notes']);
    // The exported eTag, not the current one: apply's If-Match will catch the edit made meanwhile.
    expect(planned.entries[1]?.eTag).toBe(b['eTag']);
  });

  it('without a usable baseline the export is read from the API (said once) and still plans to zero changes', async () => {
    const dir = tempTree();
    expect((await runCli(['export', '--where', 'status=New', '-o', 'n.yaml'], { cwd: dir, env: suite.env })).code).toBe(0);
    writeFileSync(join(dir, 'n.yaml.refplan-baseline.json'), '{"format":"something else"}');
    suite.emu.reset();
    const run = await runCli(['plan', 'n.yaml', '--json', '--detailed-exitcode'], { cwd: dir, env: suite.env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/baseline .* cannot be used/);
    const planned = JSON.parse(run.stdout) as { entries: unknown[]; readRequests: number };
    expect(planned.entries).toEqual([]);
    expect(planned.readRequests).toBeGreaterThan(0);
  });
});
