import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Referral } from '../../src/core/referral.js';
import { migrate } from '../../src/engine/migrate.js';
import { loadTransitionTable, loadWritablePaths } from '../../src/schema/specs.js';
import { tempTree } from '../helpers/temp-dir.js';
import { activeReferral } from './legacy-fixtures.js';

/**
 * The migrate use case's rules, with referrals served from memory through the
 * same one-method interface the API client offers (`getReferral`). The
 * end-to-end behaviour over HTTP is covered by the other files in this folder.
 */
function storeOf(referrals: Referral[]) {
  const byId = new Map(referrals.map((r) => [r.id, r] as const));
  let reads = 0;
  return {
    reads: () => reads,
    getReferral(id: string): Promise<Referral> {
      reads += 1;
      const r = byId.get(id);
      if (r === undefined) return Promise.reject(Object.assign(new Error(`referral ${id} not found`), { status: 404 }));
      return Promise.resolve(structuredClone(r));
    },
  };
}

const run = (files: string[], client: ReturnType<typeof storeOf>) =>
  migrate({ files, client, writablePaths: loadWritablePaths(), table: loadTransitionTable(), now: new Date('2026-01-02T03:04:05Z'), baseUrl: 'http://127.0.0.1:1/v1.0' });

describe('migrate: rules and report', () => {
  it('counts per field what bodies touch, leave unchanged and leave out, and what read-only values were dropped', async () => {
    const a = activeReferral('a0000000-0000-4000-8000-000000000001');
    const b = activeReferral('a0000000-0000-4000-8000-000000000002');
    const bodyA = { ...a, details: { ...a.details, dealValue: 5000 }, customerProfile: { name: 'Renamed Inc' } };
    const { name: _dropName, ...bodyB } = { ...b, statusReason: null };
    const dir = tempTree({ 'bodies.json': JSON.stringify([bodyA, bodyB], null, 2) });
    const store = storeOf([a, b]);
    const result = await run([join(dir, 'bodies.json')], store);
    expect(result.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(store.reads()).toBe(2);
    expect(result.plan?.kind).toBe('migration');
    expect(result.plan?.readRequests).toBe(2);
    expect(result.plan?.entries.map((e) => [e.referralId, e.ops, e.eTag, e.irreversible])).toEqual([
      [a.id, [{ op: 'replace', path: '/details/dealValue', value: 5000 }], a.eTag, false],
    ]);
    expect(result.plan?.entries[0]?.before).toEqual({ '/details/dealValue': 1000 });
    expect(result.plan?.summary.dealValue).toEqual({ USD: { before: 1000, after: 5000 } });
    expect(result.plan?.summary.unchanged).toBe(1);
    expect(result.plan?.entries[0]?.inverse).toEqual([{ op: 'replace', path: '/details/dealValue', value: 1000 }]);
    expect(result.plan?.entries[0]?.sources).toEqual([{ file: join(dir, 'bodies.json'), line: 2, column: 3 }]);
    const f = (name: string) => result.report.fields.find((x) => x.field === name);
    expect(f('dealValue')).toMatchObject({ touched: 1, noOp: 1, leftOut: 0 });
    expect(f('name')).toMatchObject({ touched: 0, noOp: 1, leftOut: 1 });
    expect(result.report).toMatchObject({ bodies: 2, referrals: 2, entries: 1, unchanged: 1, rejected: 0 });
    expect(result.report.droppedReadOnly.find((d) => d.path === '/customerProfile')).toMatchObject({ bodies: 2, changed: 1 });
    expect(result.report.droppedReadOnly.find((d) => d.path === '/id')).toMatchObject({ bodies: 2, changed: 0 });
  });

  it('judges status moves like plan: Active → New is refused with the allowed moves, Won is irreversible', async () => {
    const a = activeReferral('a0000000-0000-4000-8000-000000000003');
    const b = activeReferral('a0000000-0000-4000-8000-000000000004');
    const dir = tempTree({
      'x.ndjson': `${JSON.stringify({ ...a, status: 'New', substatus: 'Pending' })}\n${JSON.stringify({ ...b, status: 'Closed', substatus: 'Won' })}\n`,
    });
    const result = await run([join(dir, 'x.ndjson')], storeOf([a, b]));
    expect(result.plan).toBeUndefined();
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    expect(errors).toEqual([expect.objectContaining({ code: 'forbidden-move', referralId: a.id, at: { file: join(dir, 'x.ndjson'), line: 1, column: 1 } })]);
    expect(errors[0]?.message).toContain('Active');
    expect(result.report.rejected).toBe(1);

    const ok = tempTree({ 'won.json': JSON.stringify({ ...b, status: 'Closed', substatus: 'Won' }) });
    const won = await run([join(ok, 'won.json')], storeOf([b]));
    expect(won.plan?.entries[0]?.irreversible).toBe(true);
    expect(won.plan?.summary.irreversible).toBe(1);
  });

  it('pins the body eTag, warns when it is stale or absent, and reports unknown referrals and bad bodies', async () => {
    const a = activeReferral('a0000000-0000-4000-8000-000000000005');
    const b = activeReferral('a0000000-0000-4000-8000-000000000006');
    const { eTag: _noTag, ...bodyB } = { ...b, name: 'new name' };
    const dir = tempTree({
      'a.json': JSON.stringify({ ...a, name: 'renamed', eTag: '"older"' }),
      'b.json': JSON.stringify(bodyB),
    });
    const result = await run([dir], storeOf([a, b]));
    expect(result.diagnostics.filter((d) => d.severity === 'warning').map((d) => [d.code, d.referralId])).toEqual([
      ['stale-pin', a.id],
      ['no-etag', b.id],
    ]);
    expect(result.plan?.entries.map((e) => e.eTag)).toEqual(['"older"', b.eTag]);

    const bad = tempTree({ 'n.ndjson': '{"name": "no id"}\n{"id": "missing-referral", "name": "x"}\n' });
    const failed = await run([join(bad, 'n.ndjson')], storeOf([]));
    expect(failed.plan).toBeUndefined();
    expect(failed.diagnostics.map((d) => [d.code, d.at && 'line' in d.at ? d.at.line : 0])).toEqual([['missing-id', 1]]);
  });

  it('merges identical repeated bodies and refuses different bodies for one referral', async () => {
    const a = activeReferral('a0000000-0000-4000-8000-000000000007');
    const body = JSON.stringify({ ...a, notes: undefined, details: { ...a.details, notes: 'n2' } });
    const same = tempTree({ 'dup.ndjson': `${body}\n${body}\n` });
    const merged = await run([join(same, 'dup.ndjson')], storeOf([a]));
    expect(merged.plan?.entries).toHaveLength(1);
    expect(merged.plan?.entries[0]?.sources.map((s) => ('line' in s ? s.line : 0))).toEqual([1, 2]);
    const differ = tempTree({ 'd.ndjson': `${body}\n${JSON.stringify({ ...a, name: 'other' })}\n` });
    const refused = await run([join(differ, 'd.ndjson')], storeOf([a]));
    expect(refused.plan).toBeUndefined();
    expect(refused.diagnostics.find((d) => d.severity === 'error')).toMatchObject({ code: 'conflicting-bodies', at: { line: 2 } });
  });
});
