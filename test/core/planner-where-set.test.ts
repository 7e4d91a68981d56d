import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/core/changeset.js';
import { planChanges } from '../../src/core/planner.js';
import { ID, now, referral, table, writablePaths } from './plan-fixtures.js';

/** The pure planner: a where selects a set; an explicit id does not. */
const base = { table, writablePaths, now, baseUrl: 'https://api.example/v1.0' };
const won = referral(ID.won, { status: 'Closed', substatus: 'Won' });
const active = referral(ID.active);
const done = referral(ID.fresh, { details: { dealValue: 1, currency: 'USD', notes: 'reviewed' } });
const current = new Map([won, active, done].map((r) => [r.id, r]));
const where = (set: Change['set'], tests: Change['selector'] = { kind: 'where', tests: [{ field: 'currency', op: 'eq', value: 'USD' }] }): Change => ({
  source: { file: 'c.yaml', line: 2, column: 5 },
  selector: tests,
  set,
  addTeamMembers: [],
});

describe('planner: where sets', () => {
  it('leaves terminal members of a where out (counted by status) and counts those already holding the values', () => {
    const c = where({ notes: 'reviewed' });
    const r = planChanges({ ...base, changes: [c], current, resolved: [{ change: c, referralIds: [won.id, active.id, done.id] }] });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.plan.entries.map((e) => e.referralId)).toEqual([active.id]);
    expect(r.plan.summary.terminal).toEqual({ Closed: 1 });
    expect(r.plan.summary.unchanged).toBe(1);
    expect(r.plan.settled).toEqual([
      { referralId: won.id, reason: 'terminal', state: 'Closed/Won', sources: [c.source] },
      { referralId: done.id, reason: 'in-place', sources: [c.source] },
    ]);
    expect(r.diagnostics.find((d) => d.code === 'where-set')?.message).toBe('line 2: the selector matched 3 referrals: 1 is Closed and is left as it is; 1 already holds these values');
  });

  it('an id naming a terminal referral is still an error', () => {
    const c: Change = { source: { file: 'c.yaml', line: 4, column: 5 }, selector: { kind: 'id', id: won.id }, set: { notes: 'x' }, addTeamMembers: [] };
    const r = planChanges({ ...base, changes: [c], current });
    expect(r.diagnostics.some((d) => d.severity === 'error' && d.code === 'terminal')).toBe(true);
    expect(r.plan.settled).toBeUndefined();
  });

  it('a where matching nothing is already applied only when relaxed candidates hold every value it sets', () => {
    const c = where({ notes: 'reviewed' }, { kind: 'where', tests: [{ field: 'notes', op: 'ne', value: 'reviewed' }] });
    const ok = planChanges({ ...base, changes: [c], current, resolved: [{ change: c, referralIds: [] }], relaxed: [{ change: c, referralIds: [done.id] }] });
    expect(ok.diagnostics.map((d) => d.code)).toContain('already-applied');
    expect(ok.plan.settled).toEqual([{ referralId: done.id, reason: 'in-place', sources: [c.source] }]);
    const typo = planChanges({ ...base, changes: [c], current, resolved: [{ change: c, referralIds: [] }], relaxed: [{ change: c, referralIds: [active.id] }] });
    expect(typo.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code)).toEqual(['selector-matched-none']);
  });

  it('refuses a dealValue comparison across currencies, and not once a currency is named', () => {
    const eur = referral(ID.bare, { details: { dealValue: 5000, currency: 'EUR' } });
    const all = new Map([...current, [eur.id, eur]]);
    const c = where({ qualification: 'Direct' }, { kind: 'where', tests: [{ field: 'dealValue', op: 'gt', value: 0 }] });
    const r = planChanges({ ...base, changes: [c], current: all, resolved: [{ change: c, referralIds: [active.id, eur.id] }] });
    expect(r.diagnostics.find((d) => d.code === 'mixed-currency')?.hint).toBe('add a currency condition to the where, e.g. currency: EUR (one change per currency)');
    const named = where({ qualification: 'Direct' }, { kind: 'where', tests: [{ field: 'dealValue', op: 'gt', value: 0 }, { field: 'currency', op: 'eq', value: 'USD' }] });
    const ok = planChanges({ ...base, changes: [named], current: all, resolved: [{ change: named, referralIds: [active.id] }] });
    expect(ok.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});
