import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startEmulator, type EmulatorHandle } from '../../src/emulator/index.js';
import { createPlan } from '../../src/engine/plan.js';
import type { PlanEntry } from '../../src/core/plan.js';
import type { Referral } from '../../src/core/referral.js';
import { tempTree } from '../helpers/temp-dir.js';
import { csv, emulatorClient, isActive, isNew, pick } from './plan-helpers.js';

// One emulator for the file; every test only reads, so they share it.
let emu: EmulatorHandle;
let all: Referral[];
beforeAll(async () => {
  emu = await startEmulator({ generate: 600, randomSeed: 7 });
  all = [...emu.store.all()];
});
afterAll(async () => emu?.close());

async function planFiles(files: Record<string, string>) {
  const dir = tempTree(files);
  const client = emulatorClient(emu.url);
  try {
    return await createPlan({
      files: Object.keys(files).map((f) => join(dir, f)),
      client,
      baseUrl: emu.url,
      output: join(dir, 'out.plan.json'),
      now: () => new Date('2026-07-01T00:00:00Z'),
    });
  } finally {
    await client.close();
  }
}

const entryFor = (entries: PlanEntry[], id: string) => {
  const e = entries.find((x) => x.referralId === id);
  if (e === undefined) throw new Error(`no entry for ${id}`);
  return e;
};
const opsOf = (e: PlanEntry) => Object.fromEntries(e.ops.map((o) => [o.path, o.value]));

describe('each kind of change plans to the expected ops, from YAML and from CSV', () => {
  it('YAML: set fields, close lost with reason, accept, where, addTeamMember', async () => {
    const [setTarget, closeTarget, teamTarget] = pick(all, isActive, 3) as [Referral, Referral, Referral];
    const [acceptTarget] = pick(all, isNew) as [Referral];
    const country = 'SE';
    const whereMatches = all.filter((r) => r.status === 'New' && (r['customerProfile'] as { address?: { country?: string } })?.address?.country === country);
    expect(whereMatches.length).toBeGreaterThan(0);
    const yaml = `changes:
  - id: "${setTarget.id}"
    set: { dealValue: 123456, currency: EUR, notes: "Renewal confirmed" }
  - id: "${closeTarget.id}"
    close: lost
    reason: Customer chose another vendor
  - id: "${acceptTarget.id}"
    accept: true
  - where: { status: New, customerProfile/address/country: ${country} }
    set: { qualification: SalesQualified }
  - id: "${teamTarget.id}"
    addTeamMember: { email: jane.doe@contoso.com, firstName: Jane, lastName: Doe }
`;
    const result = await planFiles({ 'changes.yaml': yaml });
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const plan = result.plan!;
    expect(opsOf(entryFor(plan.entries, setTarget.id))).toMatchObject({
      '/details/dealValue': 123456,
      '/details/notes': 'Renewal confirmed',
    });
    const close = entryFor(plan.entries, closeTarget.id);
    expect(opsOf(close)).toMatchObject({ '/status': 'Closed', '/substatus': 'Lost', '/statusReason': 'Customer chose another vendor' });
    expect(close.irreversible).toBe(true);
    expect(close.eTag).toBe(closeTarget.eTag);
    expect(close.before['/status']).toBe('Active');
    const accept = entryFor(plan.entries, acceptTarget.id);
    expect(opsOf(accept)).toMatchObject({ '/status': 'Active', '/substatus': 'Accepted' });
    for (const r of whereMatches.filter((m) => m.id !== acceptTarget.id && m.qualification !== 'SalesQualified')) {
      expect(opsOf(entryFor(plan.entries, r.id))['/qualification']).toBe('SalesQualified');
    }
    const team = entryFor(plan.entries, teamTarget.id);
    expect(team.ops).toEqual([{ op: 'add', path: '/team/-', value: { email: 'jane.doe@contoso.com', firstName: 'Jane', lastName: 'Doe' } }]);
    // Undone by replacing the whole array: the API has no remove.
    expect(team.inverse).toEqual([{ op: 'replace', path: '/team', value: teamTarget.team }]);
    expect(plan.readRequests).toBe(result.readRequests);
    expect(result.readRequests).toBeGreaterThan(0);
    expect(emu.stats().requests.byMethod['PATCH'] ?? 0).toBe(0);
  });

  it('CSV: the same kinds (status/substatus columns, addTeamMember.* columns)', async () => {
    const [setTarget, closeTarget, teamTarget] = pick(all, isActive, 6).slice(3) as [Referral, Referral, Referral];
    const [acceptTarget] = pick(all, isNew, 2).slice(1) as [Referral];
    const text = csv(
      ['id', 'dealValue', 'currency', 'notes', 'status', 'substatus', 'statusReason', 'addTeamMember.email', 'addTeamMember.firstName'],
      [
        [setTarget.id, '98765.5', 'USD', 'Budget approved, PO next week', '', '', '', '', ''],
        [closeTarget.id, '', '', '', 'Closed', 'Lost', 'Budget inadequate', '', ''],
        [acceptTarget.id, '', '', '', 'Active', 'Accepted', '', '', ''],
        [teamTarget.id, '', '', '', '', '', '', 'sam.lee@contoso.com', 'Sam'],
      ],
    );
    const result = await planFiles({ 'changes.csv': text });
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const plan = result.plan!;
    expect(plan.entries).toHaveLength(4);
    expect(opsOf(entryFor(plan.entries, setTarget.id))).toMatchObject({
      '/details/dealValue': 98765.5,
      '/details/notes': 'Budget approved, PO next week',
    });
    const close = entryFor(plan.entries, closeTarget.id);
    expect(opsOf(close)).toMatchObject({ '/status': 'Closed', '/substatus': 'Lost', '/statusReason': 'Budget inadequate' });
    expect(close.sources[0]).toMatchObject({ row: 3 });
    expect(opsOf(entryFor(plan.entries, acceptTarget.id))).toMatchObject({ '/status': 'Active', '/substatus': 'Accepted' });
    expect(entryFor(plan.entries, teamTarget.id).ops).toEqual([
      { op: 'add', path: '/team/-', value: { email: 'sam.lee@contoso.com', firstName: 'Sam' } },
    ]);
    // Four ids: one batched `id eq … or …` list request (no per-referral GETs).
    expect(result.readMode).toBe('targeted');
    expect(result.readRequests).toBe(1);
  });

  it('a where that matches nothing is an error unless allowNone', async () => {
    const none = `changes:
  - where: { status: New, customerProfile/address/country: ZZ }
    set: { notes: x }
`;
    const failed = await planFiles({ 'none.yaml': none });
    expect(failed.plan).toBeUndefined();
    expect(failed.diagnostics.some((d) => d.severity === 'error' && d.at?.file.endsWith('none.yaml'))).toBe(true);
    const allowed = await planFiles({ 'none.yaml': none.replace('    set:', '    allowNone: true\n    set:') });
    expect(allowed.plan?.entries).toEqual([]);
  });
});
