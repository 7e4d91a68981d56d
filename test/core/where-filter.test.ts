import { describe, expect, it } from 'vitest';
import type { WhereTest } from '../../src/core/changeset.js';
import { matchesWhere, toODataFilter } from '../../src/core/where-filter.js';
import { ID, referral, writablePaths } from './plan-fixtures.js';

describe('toODataFilter', () => {
  it('pushes eq/ne strings, in-chains and date ranges on filterable fields; keeps the rest local', () => {
    const tests: WhereTest[] = [
      { field: 'status', op: 'eq', value: 'Active' },
      { field: 'substatus', op: 'in', value: ['Pending', 'Received'] },
      { field: 'customerProfile/address/country', op: 'ne', value: "O'Land" },
      { field: 'updatedDateTime', op: 'lt', value: '2026-01-01T00:00:00Z' },
      { field: 'closingDateTime', op: 'lt', value: '2026-01-01T00:00:00Z' },
      { field: 'dealValue', op: 'gt', value: 10000 },
      { field: 'status', op: 'lt', value: 'M' },
      { field: 'externalReferenceId', op: 'eq', value: null },
    ];
    const { pushed, local } = toODataFilter(tests, { writablePaths });
    expect(pushed).toBe(
      "status eq 'Active' and (substatus eq 'Pending' or substatus eq 'Received') and customerProfile/address/country ne 'O''Land' and updatedDateTime lt 2026-01-01T00:00:00Z",
    );
    expect(local).toEqual(tests.slice(4));
  });

  it('returns undefined when nothing can be pushed, and can quote date literals', () => {
    expect(toODataFilter([{ field: 'notes', op: 'eq', value: 'x' }], { writablePaths }).pushed).toBeUndefined();
    expect(toODataFilter([{ field: 'updatedDateTime', op: 'ge', value: '2026-01-01' }], { dateLiteral: 'quoted' }).pushed).toBe("updatedDateTime ge '2026-01-01'");
  });
});

describe('matchesWhere', () => {
  const r = referral(ID.active, { customerProfile: { address: { country: 'NL' } } });
  const yes = (tests: WhereTest[]) => matchesWhere(r, tests, writablePaths);

  it('compares equality, sets, numbers and dates; absent equals null', () => {
    expect(yes([{ field: 'status', op: 'eq', value: 'Active' }, { field: 'customerProfile/address/country', op: 'in', value: ['DE', 'NL'] }])).toBe(true);
    expect(yes([{ field: 'status', op: 'ne', value: 'Active' }])).toBe(false);
    expect(yes([{ field: 'dealValue', op: 'ge', value: 1000 }, { field: 'dealValue', op: 'lt', value: 1001 }])).toBe(true);
    expect(yes([{ field: 'closingDateTime', op: 'lt', value: '2026-07-01' }])).toBe(true);
    expect(yes([{ field: 'closingDateTime', op: 'gt', value: '2026-07-01T00:00:00Z' }])).toBe(false);
    expect(yes([{ field: 'externalReferenceId', op: 'eq', value: null }])).toBe(true);
    expect(yes([{ field: 'externalReferenceId', op: 'gt', value: 'a' }])).toBe(false);
  });

  it('never throws on unusable paths', () => {
    expect(yes([{ field: '__proto__/x', op: 'eq', value: null }])).toBe(false);
  });
});
