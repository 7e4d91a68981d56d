import type { Change, SettableField } from '../../src/core/changeset.js';
import { planChanges, type PlanChangesInput } from '../../src/core/planner.js';
import type { Referral } from '../../src/core/referral.js';
import { loadTransitionTable, loadWritablePaths } from '../../src/schema/specs.js';

/** Hand-built referrals and changes for the pure planner tests. */
export const table = loadTransitionTable();
export const writablePaths = loadWritablePaths();
export const now = new Date('2026-03-01T12:00:00Z');

export const ID = {
  active: '4111fffc-f9ee-4d53-bba6-569135228642',
  fresh: '9a0c1b52-0f5e-4c1a-9d7e-2b3f4a5c6d7e',
  won: '49d90c72-3326-4f61-aacc-2cb57970448c',
  bare: '0b7f3a11-2222-4a3b-8c4d-5e6f7a8b9c0d',
} as const;

export function referral(id: string, over: Partial<Referral> = {}): Referral {
  return {
    id,
    eTag: `"etag-${id.slice(0, 4)}"`,
    name: `Deal ${id.slice(0, 4)}`,
    status: 'Active',
    substatus: 'Accepted',
    statusReason: null,
    qualification: 'SalesQualified',
    createdDateTime: '2026-01-01T00:00:00Z',
    updatedDateTime: '2026-01-02T00:00:00Z',
    details: { dealValue: 1000, currency: 'USD', notes: 'first call done', closingDateTime: '2026-06-30T00:00:00Z' },
    team: [{ email: 'Ann.Lee@contoso.com', firstName: 'Ann', lastName: 'Lee' }],
    ...over,
  };
}

let row = 1;
export function change(id: string, set: Partial<Record<SettableField, string | number | null>>, extra: Partial<Change> = {}): Change {
  row += 1;
  return { source: { file: 'changes.csv', row }, selector: { kind: 'id', id }, set, addTeamMembers: [], ...extra };
}

export function plan(changes: Change[], referrals: Referral[], extra: Partial<PlanChangesInput> = {}) {
  return planChanges({
    changes,
    current: new Map(referrals.map((r) => [r.id, r])),
    table,
    writablePaths,
    now,
    baseUrl: 'http://127.0.0.1:1/v1.0',
    ...extra,
  });
}
