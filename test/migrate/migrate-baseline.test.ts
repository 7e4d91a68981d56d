import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/api/client.js';
import type { Referral } from '../../src/core/referral.js';
import { startEmulator } from '../../src/emulator/index.js';
import { migrate } from '../../src/engine/migrate.js';
import { loadTransitionTable, loadWritablePaths } from '../../src/schema/specs.js';
import { runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { activeReferral } from './legacy-fixtures.js';

const TOKEN = 'baseline-test-token';
const merged = 'b0000000-0000-4000-8000-000000000001';
const conflicting = 'b0000000-0000-4000-8000-000000000002';

let emulator: Awaited<ReturnType<typeof startEmulator>>;
let baselineDir: string;
let bodiesFile: string;
let shared: string | undefined;

async function send(method: 'GET' | 'PATCH', id: string, ops?: unknown): Promise<Referral> {
  const res = await request(`${emulator.url}/engagements/referrals/${id}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', prefer: 'return=representation' },
    ...(ops === undefined ? {} : { body: JSON.stringify(ops) }),
  });
  expect(res.statusCode).toBe(200);
  return (await res.body.json()) as Referral;
}

function runMigrate(skipConflicts: boolean) {
  const client = createClient({ baseUrl: emulator.url, token: { getToken: () => Promise.resolve(TOKEN) } });
  return migrate({
    files: [bodiesFile],
    client,
    baselineDir,
    writablePaths: loadWritablePaths(),
    table: loadTransitionTable(),
    now: new Date('2026-01-01T00:00:00Z'),
    baseUrl: emulator.url,
    skipConflicts,
  }).finally(() => client.close());
}

beforeAll(async () => {
  emulator = await startEmulator({ referrals: [activeReferral(merged), activeReferral(conflicting)] });
  // What the legacy client read before it built its bodies.
  const base1 = await send('GET', merged);
  const base2 = await send('GET', conflicting);
  // Its bodies: it changed dealValue on both (and still carries the notes it read).
  const body1 = { ...base1, details: { ...base1.details, dealValue: 2000 } };
  const body2 = { ...base2, details: { ...base2.details, dealValue: 2500 } };
  // Meanwhile, other clients: notes on the first referral, dealValue on the second.
  await send('PATCH', merged, [{ op: 'replace', path: '/details/notes', value: 'changed on the server' }]);
  await send('PATCH', conflicting, [{ op: 'replace', path: '/details/dealValue', value: 3000 }]);
  // tempTree() is per test; these folders live for the whole file.
  shared = mkdtempSync(join(tmpdir(), 'refplan-migrate-baseline-'));
  baselineDir = join(shared, 'baseline');
  mkdirSync(baselineDir);
  writeFileSync(join(baselineDir, `${merged}.json`), JSON.stringify(base1, null, 2));
  writeFileSync(join(baselineDir, `${conflicting}.json`), JSON.stringify(base2, null, 2));
  bodiesFile = join(shared, 'bodies.ndjson');
  writeFileSync(bodiesFile, `${JSON.stringify(body1)}\n${JSON.stringify(body2)}\n`);
});

afterAll(async () => {
  await emulator?.close();
  if (shared !== undefined) rmSync(shared, { recursive: true, force: true });
});

describe('refplan migrate --baseline (three-way merge)', () => {
  it('makes a field changed on both sides a conflict error at the body line, and writes no plan', async () => {
    const result = await runMigrate(false);
    expect(result.plan).toBeUndefined();
    const conflicts = result.diagnostics.filter((d) => d.code === 'merge-conflict');
    expect(conflicts).toEqual([
      expect.objectContaining({ severity: 'error', referralId: conflicting, at: { file: bodiesFile, line: 2, column: 1 } }),
    ]);
    expect(conflicts[0]?.message).toContain('/details/dealValue');
    expect(result.report.conflicts).toEqual([{ referralId: conflicting, paths: ['/details/dealValue'], source: { file: bodiesFile, line: 2, column: 1 } }]);
  });

  it('exits 3 on a conflict and 4 with --skip-conflicts (plan written without the conflicting referral)', async () => {
    const dir = tempTree();
    const env = { REFPLAN_TOKEN: TOKEN };
    const fail = await runCli(['migrate', bodiesFile, '-o', join(dir, 'a.json'), '--baseline', baselineDir, '--base-url', emulator.url], { env });
    expect(fail.code).toBe(3);
    expect(fail.stderr).toContain(`${bodiesFile}:2:1: error: referral ${conflicting}: /details/dealValue was changed by this client`);
    const skip = await runCli(['migrate', bodiesFile, '-o', join(dir, 'b.json'), '--baseline', baselineDir, '--base-url', emulator.url, '--skip-conflicts'], { env });
    expect(skip.code).toBe(4);
    expect(skip.stdout).toContain('Wrote migration plan');
    // The fix offers --skip-conflicts only while it was not passed.
    expect(fail.stderr).toContain('or pass --skip-conflicts to migrate the other referrals');
    expect(skip.stderr + skip.stdout).toMatch(/fix: decide which value wins and edit the body \(or the baseline\)\n/);
    expect(skip.stderr + skip.stdout).not.toContain('--skip-conflicts');
  });
  it("patches only what the client changed, so another client's edit survives the apply", async () => {
    const result = await runMigrate(true);
    expect(result.plan?.kind).toBe('migration');
    expect(result.plan?.entries.map((e) => e.referralId)).toEqual([merged]);
    expect(result.plan?.entries[0]?.ops).toEqual([{ op: 'replace', path: '/details/dealValue', value: 2000 }]);
    expect(result.report.fields.find((f) => f.field === 'notes')).toMatchObject({ touched: 0, keptServerValue: 1 });
    expect(result.diagnostics.find((d) => d.code === 'merge-conflict')?.severity).toBe('warning');

    const { writePlan } = await import('../../src/files/plan-file.js');
    const planPath = join(tempTree(), 'm.plan.json');
    await writePlan(planPath, result.plan as NonNullable<typeof result.plan>);
    const applied = await runCli(['apply', planPath, '--base-url', emulator.url], { env: { REFPLAN_TOKEN: TOKEN } });
    expect(applied.code).toBe(0);
    const after = await send('GET', merged);
    expect(after.details?.dealValue).toBe(2000);
    expect(after.details?.notes).toBe('changed on the server');
    // The conflicting referral was left alone.
    expect((await send('GET', conflicting)).details?.dealValue).toBe(3000);
  });
});
