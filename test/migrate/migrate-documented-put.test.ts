import { join, relative } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { valueAt } from '../../src/core/json-pointer.js';
import type { JsonValue, Referral } from '../../src/core/referral.js';
import { startEmulator } from '../../src/emulator/index.js';
import { readPlan } from '../../src/files/plan-file.js';
import { loadWritablePaths } from '../../src/schema/specs.js';
import { repoRoot, runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { documentedPutBody, legacyPutBodyFile, seedBeforeDocumentedPut } from './legacy-fixtures.js';

const TOKEN = 'migrate-test-token';
let viaPut: Awaited<ReturnType<typeof startEmulator>>;
let viaPlan: Awaited<ReturnType<typeof startEmulator>>;

async function getReferral(baseUrl: string, id: string): Promise<Referral> {
  const res = await request(`${baseUrl}/engagements/referrals/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.statusCode).toBe(200);
  return (await res.body.json()) as Referral;
}

beforeAll(async () => {
  // Two emulators with the same starting referral: one takes the legacy PUT, the other the migration plan.
  viaPut = await startEmulator({ referrals: [seedBeforeDocumentedPut()] });
  viaPlan = await startEmulator({ referrals: [seedBeforeDocumentedPut()] });
});

afterAll(async () => {
  await viaPut?.close();
  await viaPlan?.close();
});

describe('refplan migrate on the documented legacy PUT body', () => {
  it('migrates with a warning naming the trailing comma, and the applied plan stores what the PUT would have', async () => {
    const body = documentedPutBody();
    const dir = tempTree();
    const planPath = join(dir, 'migration.plan.json');
    const input = relative(repoRoot, legacyPutBodyFile);
    const run = await runCli(['migrate', input, '-o', planPath, '--base-url', viaPlan.url, '--json'], { env: { REFPLAN_TOKEN: TOKEN } });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as {
      report: { fields: { field: string; touched: number; noOp: number; leftOut: number }[]; droppedReadOnly: { path: string }[]; entries: number };
      diagnostics: { severity: string; code: string; at?: { file: string; line: number } }[];
    };
    expect(out.diagnostics).toContainEqual(
      expect.objectContaining({ severity: 'warning', code: 'json-trailing-comma', at: expect.objectContaining({ file: input, line: 105 }) }),
    );
    expect(out.report.entries).toBe(1);
    const field = (name: string) => out.report.fields.find((f) => f.field === name);
    expect(field('name')).toMatchObject({ leftOut: 1, touched: 0 });
    expect(field('dealValue')).toMatchObject({ touched: 1, leftOut: 0 });
    expect(field('currency')).toMatchObject({ noOp: 1, touched: 0 });

    const plan = await readPlan(planPath);
    expect(plan.kind).toBe('migration');
    expect(plan.entries).toHaveLength(1);
    const entry = plan.entries[0];
    expect(entry?.referralId).toBe(body.id);
    expect(entry?.eTag).toBe(body.eTag);
    expect(entry?.irreversible).toBe(true);
    expect(entry?.sources).toEqual([expect.objectContaining({ file: input, line: 1 })]);
    expect(new Set(entry?.ops.map((o) => o.op))).toEqual(new Set(['replace', 'add']));

    // The legacy way, on the other emulator: the whole document, If-Match required.
    const put = await request(`${viaPut.url}/engagements/referrals/${body.id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'if-match': body.eTag as string },
      body: JSON.stringify(body),
    });
    expect(put.statusCode).toBe(200);
    await put.body.dump();

    // The migration plan is a normal plan: the real `refplan apply` runs it unchanged.
    const applied = await runCli(['apply', planPath, '--base-url', viaPlan.url, '--json'], { env: { REFPLAN_TOKEN: TOKEN } });
    expect(applied.code).toBe(0);
    const summary = JSON.parse(applied.stdout) as { kind: string; counts: Record<string, number> };
    expect(summary.kind).toBe('migration');
    expect(summary.counts['applied']).toBe(1);

    const afterPut = await getReferral(viaPut.url, body.id);
    const afterPlan = await getReferral(viaPlan.url, body.id);
    const carried = loadWritablePaths().writable.filter((r) => r.kind !== 'member' && valueAt(body as unknown as JsonValue, r.path) !== undefined);
    expect(carried.map((r) => r.field)).toEqual(expect.arrayContaining(['status', 'substatus', 'statusReason', 'dealValue', 'notes', 'team']));
    for (const rule of carried) {
      expect({ path: rule.path, value: valueAt(afterPlan as unknown as JsonValue, rule.path) }).toEqual({
        path: rule.path,
        value: valueAt(afterPut as unknown as JsonValue, rule.path),
      });
    }
    expect(afterPlan.status).toBe('Closed');
    expect(afterPlan.substatus).toBe('Won');
    // The one difference, by design: the PUT wiped the name the body left out; the migration kept it.
    expect(afterPut.name).toBeUndefined();
    expect(afterPlan.name).toBe('Contoso supply chain (before)');
    expect((viaPlan.stats().requests.byMethod as Record<string, number | undefined>)['PUT'] ?? 0).toBe(0);
  });

  it('refuses a body with a real syntax error with exit 3 and file:line:col, sending nothing', async () => {
    const dir = tempTree({ 'bad.json': '{\n  "id": "49d90c72-3326-4f61-aacc-2cb57970448c",\n  "status": Closed\n}\n' });
    const requestsBefore = viaPlan.stats().requests.total;
    const run = await runCli(['migrate', join(dir, 'bad.json'), '-o', join(dir, 'plan.json'), '--base-url', viaPlan.url], { env: { REFPLAN_TOKEN: TOKEN } });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`${join(dir, 'bad.json')}:3:13: error: expected a value`);
    expect(viaPlan.stats().requests.total).toBe(requestsBefore);
  });
});
