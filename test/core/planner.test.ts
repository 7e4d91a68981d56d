import { describe, expect, it } from 'vitest';
import { valueAt } from '../../src/core/json-pointer.js';
import { applyOps } from '../../src/core/patch.js';
import type { PlanEntry } from '../../src/core/plan.js';
import type { JsonValue } from '../../src/core/referral.js';
import { change, ID, plan, referral } from './plan-fixtures.js';

function only(entries: PlanEntry[]): PlanEntry {
  expect(entries).toHaveLength(1);
  return entries[0] as PlanEntry;
}

/** applyOps(applyOps(doc, ops), inverse) gives every touched path its before value back. */
function expectRoundTrip(doc: object, entry: PlanEntry) {
  const restored = applyOps(applyOps(doc as JsonValue, entry.ops), entry.inverse);
  for (const [path, before] of Object.entries(entry.before)) expect(valueAt(restored, path) ?? null).toEqual(before);
}

describe('planChanges: each kind of change', () => {
  it('sets fields with the smallest replace ops, pins eTag and before/after, numbers as numbers', () => {
    const r = referral(ID.active);
    const { plan: p, diagnostics, rejected } = plan([change(ID.active, { dealValue: '12000', currency: 'EUR', notes: 'Renewal confirmed', name: r.name as string })], [r]);
    expect(diagnostics).toEqual([]);
    expect(rejected).toEqual([]);
    const e = only(p.entries);
    expect(e.ops).toEqual([
      { op: 'replace', path: '/details/dealValue', value: 12000 },
      { op: 'replace', path: '/details/currency', value: 'EUR' },
      { op: 'replace', path: '/details/notes', value: 'Renewal confirmed' },
    ]);
    expect(e.eTag).toBe(r.eTag);
    expect(e.before).toEqual({ '/details/dealValue': 1000, '/details/currency': 'USD', '/details/notes': 'first call done' });
    expect(e.after).toEqual({ '/details/dealValue': 12000, '/details/currency': 'EUR', '/details/notes': 'Renewal confirmed' });
    expect(e.irreversible).toBe(false);
    expect(e.dealCurrency).toEqual({ before: 'USD', after: 'EUR' });
    expect(e.label).toBe(r.name);
    expect(p.summary).toMatchObject({ entries: 1, ops: 3, byField: { dealValue: 1, currency: 1, notes: 1 }, dealValue: { USD: { before: 1000, after: 0 }, EUR: { before: 0, after: 12000 } } });
    expect(p).toMatchObject({ format: 'refplan.plan/1', kind: 'plan', createdAt: '2026-03-01T12:00:00.000Z', policy: { reasonRequiredFor: ['Lost', 'Declined'] } });
    expectRoundTrip(r, e);
  });

  it('closes as lost with a reason: irreversible, and the move is named', () => {
    const r = referral(ID.active);
    const { plan: p, diagnostics } = plan([change(ID.active, { status: 'Closed', substatus: 'Lost', statusReason: 'Chose another vendor' })], [r]);
    expect(diagnostics).toEqual([]);
    const e = only(p.entries);
    expect(e.ops.map((o) => o.path)).toEqual(['/status', '/substatus', '/statusReason']);
    expect(e.irreversible).toBe(true);
    expect(e.transition).toEqual({ from: 'Active/Accepted', to: 'Closed/Lost' });
    expect(p.summary.statusMoves).toEqual({ 'Active/Accepted -> Closed/Lost': 1 });
    expect(p.summary.irreversible).toBe(1);
    expectRoundTrip(r, e);
  });

  it('accepts a New referral (leaving New is irreversible)', () => {
    const r = referral(ID.fresh, { status: 'New', substatus: 'Pending' });
    const e = only(plan([change(ID.fresh, { status: 'Active', substatus: 'Accepted' })], [r]).plan.entries);
    expect(e.ops).toEqual([
      { op: 'replace', path: '/status', value: 'Active' },
      { op: 'replace', path: '/substatus', value: 'Accepted' },
    ]);
    expect(e.irreversible).toBe(true);
  });

  it('adds a team member with add /team/- and undoes it by replacing the whole team', () => {
    const r = referral(ID.active);
    const member = { email: 'jane.doe@contoso.com', firstName: 'Jane', lastName: 'Doe' };
    const { plan: p } = plan([change(ID.active, {}, { addTeamMembers: [member] })], [r]);
    const e = only(p.entries);
    expect(e.ops).toEqual([{ op: 'add', path: '/team/-', value: member }]);
    expect(e.inverse).toEqual([{ op: 'replace', path: '/team', value: r.team as JsonValue }]);
    expect(e.after['/team']).toEqual([...(r.team ?? []), member]);
    expect(p.summary.byField).toEqual({ addTeamMember: 1 });
    expectRoundTrip(r, e);
  });

  it('clears with null via replace null; clearing something already empty is a no-op', () => {
    const r = referral(ID.active, { externalReferenceId: null });
    const { plan: p } = plan([change(ID.active, { notes: null, externalReferenceId: null })], [r]);
    const e = only(p.entries);
    expect(e.ops).toEqual([{ op: 'replace', path: '/details/notes', value: null }]);
    expectRoundTrip(r, e);
  });
});

describe('planChanges: forbidden moves are error diagnostics naming the row, the referral and what is allowed', () => {
  const cases = [
    { name: 'Closed -> Active', over: { status: 'Closed', substatus: 'Won' }, set: { status: 'Active', substatus: 'Accepted' }, code: 'terminal', text: /Closed\/Won.*allowed: none/ },
    { name: 'Active -> New', over: {}, set: { status: 'New', substatus: 'Pending' }, code: 'forbidden-move', text: /status cannot move from Active to New \(it is Active\/Accepted now\); allowed: Active, Closed/ },
    { name: 'edit of a Won referral', over: { status: 'Closed', substatus: 'Won' }, set: { dealValue: 5 }, code: 'terminal', text: /terminal state/ },
    { name: 'setting Expired', over: {}, set: { status: 'Closed', substatus: 'Expired' }, code: 'system-only', text: /set only by the service/ },
    { name: 'Lost without reason', over: {}, set: { status: 'Closed', substatus: 'Lost' }, code: 'reason-required', text: /needs a statusReason/ },
  ] as const;
  for (const c of cases) {
    it(c.name, () => {
      const r = referral(ID.active, c.over);
      const ch = change(ID.active, c.set);
      const { plan: p, diagnostics, rejected } = plan([ch], [r]);
      expect(p.entries).toEqual([]);
      const errors = diagnostics.filter((d) => d.severity === 'error');
      expect(errors.map((d) => d.code)).toEqual([c.code]);
      const d = errors[0];
      expect(d?.at).toEqual(ch.source);
      expect(d?.referralId).toBe(ID.active);
      expect(d?.message).toMatch(new RegExp(`^row ${(ch.source as { row: number }).row} \\(referral ${ID.active}\\): `));
      expect(d?.message).toMatch(c.text);
      expect(d?.hint).toBeTruthy();
      expect(rejected).toEqual([{ source: ch.source, referralId: ID.active, code: c.code, reason: d?.message }]);
    });
  }

  it('a lenient policy without Lost lets the close through', () => {
    const { plan: p, diagnostics } = plan([change(ID.active, { status: 'Closed', substatus: 'Lost' })], [referral(ID.active)], { policy: { reasonRequiredFor: [] } });
    expect(diagnostics).toEqual([]);
    expect(p.entries).toHaveLength(1);
    expect(p.policy).toEqual({ reasonRequiredFor: [] });
  });

  it('keeps valid referrals in the plan and rejects only the invalid ones (for --skip-invalid)', () => {
    const good = change(ID.active, { dealValue: 2000 });
    const bad = change(ID.won, { dealValue: 2000 });
    const { plan: p, rejected } = plan([good, bad], [referral(ID.active), referral(ID.won, { status: 'Closed', substatus: 'Won' })]);
    expect(p.entries.map((e) => e.referralId)).toEqual([ID.active]);
    expect(rejected.map((r) => r.referralId)).toEqual([ID.won]);
  });
});

describe('planChanges: merging, no-ops, teams, absent parents, pins, selectors', () => {
  it('drops no-ops and counts the referral as unchanged', () => {
    const r = referral(ID.active);
    const { plan: p, unchanged, diagnostics } = plan([change(ID.active, { dealValue: 1000, currency: 'USD', status: 'Active' })], [r]);
    expect(p.entries).toEqual([]);
    expect(unchanged).toEqual([ID.active]);
    expect(p.summary.unchanged).toBe(1);
    expect(diagnostics).toEqual([]);
  });

  it('skips a team member whose email is already there (any case) with a warning', () => {
    const ch = change(ID.active, {}, { addTeamMembers: [{ email: 'ann.lee@CONTOSO.com' }] });
    const { plan: p, diagnostics, unchanged } = plan([ch], [referral(ID.active)]);
    expect(p.entries).toEqual([]);
    expect(unchanged).toEqual([ID.active]);
    expect(diagnostics).toEqual([expect.objectContaining({ severity: 'warning', code: 'team-member-present', at: ch.source })]);
  });

  it('adds /team [member] when the referral has no team', () => {
    const r = referral(ID.bare);
    delete r.team;
    const e = only(plan([change(ID.bare, {}, { addTeamMembers: [{ email: 'x@y.z', firstName: 'X' }, { email: 'X@y.z' }] })], [r]).plan.entries);
    expect(e.ops).toEqual([{ op: 'add', path: '/team', value: [{ email: 'x@y.z', firstName: 'X' }] }]);
    expect(e.inverse).toEqual([{ op: 'replace', path: '/team', value: [] }]);
  });

  it('adds an absent details object in one op, and its inverse clears the leaves it wrote', () => {
    const r = referral(ID.bare);
    delete r.details;
    const e = only(plan([change(ID.bare, { dealValue: 5000, currency: 'EUR', notes: null })], [r]).plan.entries);
    expect(e.ops).toEqual([{ op: 'add', path: '/details', value: { dealValue: 5000, currency: 'EUR' } }]);
    expect(e.before).toEqual({ '/details/dealValue': null, '/details/currency': null });
    expect(e.after).toEqual({ '/details/dealValue': 5000, '/details/currency': 'EUR' });
    expect(e.dealCurrency).toEqual({ before: null, after: 'EUR' });
    expectRoundTrip(r, e);
  });

  it('merges changes to one referral into one entry naming both sources', () => {
    const a = change(ID.active, { dealValue: 2000 });
    const b = change(ID.active, { notes: 'x', dealValue: 2000 });
    const e = only(plan([a, b], [referral(ID.active)]).plan.entries);
    expect(e.sources).toEqual([a.source, b.source]);
    expect(e.ops).toHaveLength(2);
  });

  it('reports conflicting values for one field, naming both rows', () => {
    const a = change(ID.active, { dealValue: 2000 });
    const b = change(ID.active, { dealValue: 3000 });
    const { plan: p, diagnostics, rejected } = plan([a, b], [referral(ID.active)]);
    expect(p.entries).toEqual([]);
    expect(diagnostics).toEqual([expect.objectContaining({ code: 'conflicting-changes', at: b.source })]);
    const rowA = (a.source as { row: number }).row;
    const rowB = (b.source as { row: number }).row;
    expect(diagnostics[0]?.message).toContain(`row ${rowB} (referral ${ID.active}): sets dealValue to 3000, but row ${rowA} sets it to 2000`);
    expect(rejected).toHaveLength(2);
  });

  it('pins the row eTag over the current one and warns that it is stale', () => {
    const e = only(plan([change(ID.active, { dealValue: 7 }, { pinnedETag: '"old"' })], [referral(ID.active)]).plan.entries);
    expect(e.eTag).toBe('"old"');
    expect(e.warnings.join()).toMatch(/changed after the row was exported/);
  });

  it('uses resolved selectors; a selector matching nothing is an error unless allowNone', () => {
    const where = change('', { notes: 'n' }, { selector: { kind: 'where', tests: [{ field: 'status', op: 'eq', value: 'Active' }] } });
    const none = change('', { notes: 'n' }, { selector: { kind: 'externalReferenceId', externalReferenceId: 'CRM-1' } });
    const fine = change('', { notes: 'n' }, { selector: { kind: 'externalReferenceId', externalReferenceId: 'CRM-2' }, allowNone: true });
    const { plan: p, diagnostics } = plan([where, none, fine], [referral(ID.active), referral(ID.fresh)], {
      resolved: [
        { change: where, referralIds: [ID.active, ID.fresh] },
        { change: none, referralIds: [] },
        { change: fine, referralIds: [] },
      ],
    });
    expect(p.entries.map((e) => e.referralId)).toEqual([ID.active, ID.fresh]);
    expect(diagnostics.map((d) => d.code)).toEqual(['selector-matched-none']);
  });

  it('reports an id that was not read, and an unresolved where', () => {
    const missing = change('nope', { notes: 'n' });
    const unresolved = change('', { notes: 'n' }, { selector: { kind: 'where', tests: [] } });
    const { diagnostics } = plan([missing, unresolved], []);
    expect(diagnostics.map((d) => d.code)).toEqual(['referral-not-found', 'unresolved-selector']);
  });

  it('refuses values of the wrong kind and clearing a required field', () => {
    const { diagnostics } = plan([change(ID.active, { dealValue: 'lots', name: null })], [referral(ID.active)]);
    expect(diagnostics.map((d) => d.code)).toEqual(['invalid-value', 'invalid-value']);
    expect(diagnostics[1]?.message).toMatch(/name cannot be cleared/);
  });
});
