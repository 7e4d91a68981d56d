import { describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { editSheet, readSheet } from '../helpers/csv-edit.js';
import { emulatorForSuite } from '../helpers/emulator-suite.js';

// The spreadsheet loop, again and again: edit → plan → apply → edit the same export → plan → apply → plan.
const suite = emulatorForSuite({ generate: 40, randomSeed: 31 }, 'loop-token');

interface Entry {
  referralId: string;
  eTag: string;
  ops: { op: string; path: string; value: unknown }[];
}
interface PlanJson {
  entries: Entry[];
  readRequests: number;
}
const shape = (p: PlanJson) => p.entries.map((e) => ({ id: e.referralId, ops: e.ops }));

async function plan(dir: string, extra: string[] = []): Promise<{ code: number | null; plan: PlanJson; stderr: string }> {
  const run = await runCli(['plan', 'p.csv', '-o', 'p.plan.json', '--json', '--detailed-exitcode', ...extra], { cwd: dir, env: suite.env });
  expect([0, 2], run.stderr).toContain(run.code);
  return { code: run.code, plan: JSON.parse(run.stdout) as PlanJson, stderr: run.stderr };
}
async function apply(dir: string): Promise<void> {
  const run = await runCli(['apply', 'p.plan.json', '--yes'], { cwd: dir, env: suite.env });
  expect(run.code, run.stderr).toBe(0);
}

describe('the spreadsheet loop', () => {
  it('three turns on one export: each plan holds exactly what is still different, the last says No changes, one write per changed referral', async () => {
    const dir = tempTree();
    expect((await runCli(['export', '--where', 'status=Active', '-o', 'p.csv'], { cwd: dir, env: suite.env })).code).toBe(0);
    const rows = readSheet(join(dir, 'p.csv')).rows.filter((r) => r['notes'] !== '');
    const [a, b, c, d, e, f] = rows.map((r) => r['id']!) as [string, string, string, string, string, string];
    expect(f).toBeDefined();
    const commits0 = suite.emu.stats().commits;
    const before = { ...commits0.byId };

    // Turn 1.
    editSheet(join(dir, 'p.csv'), (byId) => {
      byId.get(a)!['notes'] = 'turn one';
      byId.get(b)!['dealValue'] = '123456';
    });
    const t1 = await plan(dir);
    expect(t1.code).toBe(2);
    expect(shape(t1.plan)).toEqual([
      { id: a, ops: [{ op: 'replace', path: '/details/notes', value: 'turn one' }] },
      { id: b, ops: [{ op: 'replace', path: '/details/dealValue', value: 123456 }] },
    ]);
    expect(t1.plan.readRequests).toBe(0);
    await apply(dir);

    // Someone else edits f on the server meanwhile; the user never touches f's row.
    const other = await fetch(`${suite.emu.url}/engagements/referrals/${f}`, {
      method: 'PATCH',
      headers: { authorization: 'Bearer someone-else', 'content-type': 'application/json' },
      body: JSON.stringify([{ op: 'replace', path: '/name', value: 'Renamed by a colleague' }]),
    });
    expect(other.status).toBeLessThan(300);

    // Turn 2: the same file, turn 1's edits still in it, one more edit.
    editSheet(join(dir, 'p.csv'), (byId) => {
      byId.get(c)!['notes'] = 'turn two';
    });
    const t2 = await plan(dir);
    expect(shape(t2.plan)).toEqual([{ id: c, ops: [{ op: 'replace', path: '/details/notes', value: 'turn two' }] }]);
    // Only the rows refplan changed since the export were read again (a and b, one targeted read).
    expect(t2.plan.readRequests).toBe(1);
    expect(t2.stderr).toContain('The earlier run of this plan file is settled');
    await apply(dir);

    // Turn 3: clear d's notes (blank means clear) and requalify e.
    editSheet(join(dir, 'p.csv'), (byId) => {
      byId.get(d)!['notes'] = '';
      byId.get(e)!['qualification'] = 'SalesQualified';
    });
    const t3 = await plan(dir);
    const eWas = suite.emu.store.get(e)!.qualification;
    expect(shape(t3.plan)).toEqual([
      { id: d, ops: [{ op: 'replace', path: '/details/notes', value: null }] },
      ...(eWas === 'SalesQualified' ? [] : [{ id: e, ops: [{ op: 'replace', path: '/qualification', value: 'SalesQualified' }] }]),
    ]);
    await apply(dir);

    // And once more: nothing is still different.
    const t4 = await plan(dir);
    expect(t4.code).toBe(0);
    expect(t4.plan.entries).toEqual([]);
    const human = await runCli(['show', 'p.plan.json'], { cwd: dir });
    expect(human.stdout).toContain('No changes');

    // Exactly one write per changed referral over all turns; f (changed by someone else) was never written.
    const changed = [...new Set([...t1.plan.entries, ...t2.plan.entries, ...t3.plan.entries].map((x) => x.referralId))];
    const byId = suite.emu.stats().commits.byId;
    for (const id of changed) expect((byId[id] ?? 0) - (before[id] ?? 0), id).toBe(1);
    expect((byId[f] ?? 0) - (before[f] ?? 0)).toBe(1); // the colleague's own write only
    expect(suite.emu.store.get(f)!.name).toBe('Renamed by a colleague');
    expect(suite.emu.stats().commits.total - commits0.total).toBe(changed.length + 1);

    // Every run's files were archived, 0600, never deleted.
    const history = readdirSync(join(dir, 'p.plan.history'));
    expect(history.filter((n) => n.endsWith('.journal.jsonl'))).toHaveLength(3);
    expect(history.filter((n) => n.endsWith('.results.csv'))).toHaveLength(3);
    for (const n of history) expect(statSync(join(dir, 'p.plan.history', n)).mode & 0o777, n).toBe(0o600);
  }, 180_000); // eleven CLI runs in sequence: the loop is the point of the test

  it('--refresh re-reads the rows and rebases edits on the current values; without it the stale pin is kept (apply would report the conflict)', async () => {
    const dir = tempTree();
    expect((await runCli(['export', '--where', 'status=Active', '-o', 'p.csv'], { cwd: dir, env: suite.env })).code).toBe(0);
    const row = readSheet(join(dir, 'p.csv')).rows[0]!;
    const id = row['id']!;
    await fetch(`${suite.emu.url}/engagements/referrals/${id}`, {
      method: 'PATCH',
      headers: { authorization: 'Bearer someone-else', 'content-type': 'application/json' },
      body: JSON.stringify([{ op: 'replace', path: '/details/notes', value: 'colleague notes' }]),
    });
    editSheet(join(dir, 'p.csv'), (byId) => {
      byId.get(id)!['dealValue'] = '4242';
    });
    const stale = await plan(dir);
    expect(stale.plan.entries[0]?.eTag).toBe(row['eTag']);
    const fresh = await plan(dir, ['--refresh']);
    expect(fresh.plan.readRequests).toBeGreaterThan(0);
    expect(shape(fresh.plan)).toEqual([{ id, ops: [{ op: 'replace', path: '/details/dealValue', value: 4242 }] }]);
    expect(fresh.plan.entries[0]?.eTag).toBe(suite.emu.store.get(id)!.eTag);
  });

  it('an unsettled earlier run at the plan path is protected: planning into it is refused, nothing archived', async () => {
    const dir = tempTree();
    expect((await runCli(['export', '--where', 'status=New', '-o', 'p.csv'], { cwd: dir, env: suite.env })).code).toBe(0);
    const id = readSheet(join(dir, 'p.csv')).rows[0]!['id']!;
    editSheet(join(dir, 'p.csv'), (byId) => {
      byId.get(id)!['notes'] = 'unsettled';
    });
    await plan(dir);
    await apply(dir);
    const checksum = (JSON.parse(readFileSync(join(dir, 'p.plan.json'), 'utf8')) as { checksum: string }).checksum;
    // A write in flight when the run died: an intent with no outcome.
    appendFileSync(join(dir, 'p.plan.journal.jsonl'), JSON.stringify({ seq: 999, t: new Date().toISOString(), planChecksum: checksum, referralId: id, event: 'intent', eTag: '"x"' }) + '\n');
    const run = await runCli(['plan', 'p.csv', '-o', 'p.plan.json'], { cwd: dir, env: suite.env });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('is not settled: 1 write is not settled in its journal');
    expect(existsSync(join(dir, 'p.plan.history'))).toBe(false);
    expect((JSON.parse(readFileSync(join(dir, 'p.plan.json'), 'utf8')) as { checksum: string }).checksum).toBe(checksum);
  });

  it('results are history: re-running apply keeps the earlier run\'s results; the latest is PLAN.results.csv', async () => {
    const dir = tempTree();
    expect((await runCli(['export', '--where', 'status=Active', '-o', 'p.csv'], { cwd: dir, env: suite.env })).code).toBe(0);
    const [a, b] = readSheet(join(dir, 'p.csv')).rows.map((r) => r['id']!) as [string, string];
    editSheet(join(dir, 'p.csv'), (byId) => {
      byId.get(a)!['notes'] = 'applies';
      byId.get(b)!['notes'] = 'conflicts';
    });
    await plan(dir);
    await fetch(`${suite.emu.url}/engagements/referrals/${b}`, {
      method: 'PATCH',
      headers: { authorization: 'Bearer someone-else', 'content-type': 'application/json' },
      body: JSON.stringify([{ op: 'replace', path: '/name', value: 'Edited meanwhile' }]),
    });
    const first = await runCli(['apply', 'p.plan.json', '--yes'], { cwd: dir, env: suite.env });
    expect(first.code, first.stderr).toBe(4);
    const firstResults = readFileSync(join(dir, 'p.plan.results.csv'), 'utf8');
    expect(firstResults).toMatch(new RegExp(`${a},[^\r\n]*,applied,`));
    const second = await runCli(['apply', 'p.plan.json', '--yes'], { cwd: dir, env: suite.env });
    expect(second.code, second.stderr).toBe(4);
    const kept = readdirSync(join(dir, 'p.plan.history')).filter((n) => n.endsWith('.results.csv'));
    expect(kept).toHaveLength(1);
    expect(readFileSync(join(dir, 'p.plan.history', kept[0]!), 'utf8')).toBe(firstResults);
    expect(statSync(join(dir, 'p.plan.history', kept[0]!)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'p.plan.results.csv'), 'utf8')).toMatch(new RegExp(`${b},[^\r\n]*,conflict,`));
  }, 60_000);
});
