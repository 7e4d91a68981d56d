import { describe, expect, it } from 'vitest';
import type { PlanEntry } from '../../src/core/plan.js';
import { summarisePlan } from '../../src/core/plan-summary.js';
import { invertEntry } from '../../src/core/rollback-plan.js';
import { change, ID, plan, referral, writablePaths } from './plan-fixtures.js';
import { loadTransitionTable } from '../../src/schema/specs.js';

function entry(over: Partial<PlanEntry>): PlanEntry {
  return { referralId: 'r', sources: [], eTag: '"1"', before: {}, after: {}, ops: [], inverse: [], irreversible: false, warnings: [], ...over };
}

describe('summarisePlan', () => {
  it('counts fields, status moves, deal totals per currency, irreversible entries and ops', () => {
    const entries = [
      entry({
        ops: [{ op: 'replace', path: '/details/dealValue', value: 2000 }],
        before: { '/details/dealValue': 1000 },
        after: { '/details/dealValue': 2000 },
        dealCurrency: { before: 'USD', after: 'USD' },
      }),
      entry({
        ops: [
          { op: 'replace', path: '/status', value: 'Closed' },
          { op: 'replace', path: '/substatus', value: 'Lost' },
          { op: 'add', path: '/details', value: { dealValue: 10, currency: 'EUR' } },
        ],
        before: { '/status': 'Active', '/substatus': 'Accepted', '/details/dealValue': null, '/details/currency': null },
        after: { '/status': 'Closed', '/substatus': 'Lost', '/details/dealValue': 10, '/details/currency': 'EUR' },
        irreversible: true,
      }),
      entry({
        ops: [{ op: 'replace', path: '/substatus', value: 'Received' }],
        before: { '/substatus': 'Pending' },
        after: { '/substatus': 'Received' },
        transition: { from: 'New/Pending', to: 'New/Received' },
      }),
    ];
    expect(summarisePlan(entries, { writablePaths, unchanged: 4 })).toEqual({
      entries: 3,
      unchanged: 4,
      ops: 5,
      irreversible: 1,
      byField: { dealValue: 2, status: 1, substatus: 2, currency: 1 },
      statusMoves: { 'Active/Accepted -> Closed/Lost': 1, 'New/Pending -> New/Received': 1 },
      dealValue: { USD: { before: 1000, after: 2000 }, EUR: { before: 0, after: 10 } },
    });
  });

  it('keys fields by path without the writable-path table', () => {
    expect(summarisePlan([entry({ ops: [{ op: 'add', path: '/team/-', value: {} }] })]).byField).toEqual({ '/team/-': 1 });
  });
});

describe('invertEntry', () => {
  const table = loadTransitionTable();

  it('swaps before/after, uses the inverse ops and pins the eTag the write returned', () => {
    const e = plan([change(ID.active, { dealValue: 9 })], [referral(ID.active)]).plan.entries[0] as PlanEntry;
    const inverted = invertEntry(e, '"new"', table);
    expect(inverted.notRestorable).toBeUndefined();
    expect(inverted.entry).toEqual(expect.objectContaining({ eTag: '"new"', ops: e.inverse, before: e.after, after: e.before, referralId: ID.active, irreversible: false }));
  });

  it('lists a closing entry as not restorable as a whole, with its before values', () => {
    const e = plan([change(ID.active, { status: 'Closed', substatus: 'Won', dealValue: 9 })], [referral(ID.active)]).plan.entries[0] as PlanEntry;
    const inverted = invertEntry(e, '"new"', table);
    expect(inverted.entry).toBeUndefined();
    expect(inverted.notRestorable).toMatchObject({ referralId: ID.active, before: e.before });
    expect(inverted.notRestorable?.reason).toMatch(/Active\/Accepted → Closed\/Won.*cannot be undone/);
  });

  it('restores the other fields of an entry that left New, and lists only its status move', () => {
    const e = plan([change(ID.fresh, { status: 'Active', substatus: 'Accepted', dealValue: 9 })], [referral(ID.fresh, { status: 'New', substatus: 'Pending' })]).plan.entries[0] as PlanEntry;
    expect(e.irreversible).toBe(true);
    const inverted = invertEntry(e, '"new"', table);
    expect(inverted.entry?.ops).toEqual([{ op: 'replace', path: '/details/dealValue', value: e.before['/details/dealValue'] }]);
    expect(Object.keys(inverted.entry?.before ?? {})).toEqual(['/details/dealValue']);
    expect(inverted.entry?.inverse.map((op) => op.path)).toEqual(['/details/dealValue']);
    expect(inverted.notRestorable?.before).toEqual({ '/status': 'New', '/substatus': 'Pending' });
    expect(inverted.notRestorable?.reason).toMatch(/other fields are restored/);
  });

  it('without the table, treats every irreversible entry as not restorable (the safe side)', () => {
    const e = plan([change(ID.fresh, { status: 'Active', substatus: 'Accepted', dealValue: 9 })], [referral(ID.fresh, { status: 'New', substatus: 'Pending' })]).plan.entries[0] as PlanEntry;
    expect(invertEntry(e, '"new"')).toEqual({ notRestorable: expect.objectContaining({ referralId: ID.fresh }) });
  });
});
