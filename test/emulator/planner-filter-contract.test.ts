import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WhereTest } from '../../src/core/changeset.js';
import { matchesWhere, toODataFilter } from '../../src/core/where-filter.js';
import { generateReferrals, startEmulator, type EmulatorHandle } from '../../src/emulator/index.js';
import { call, referralsUrl } from './helpers.js';

// Contract between the planner's push-down and the emulator: every $filter refplan
// sends is accepted, and selects exactly what refplan's own evaluator would.
const data = generateReferrals(600, 3);
let emu: EmulatorHandle;

beforeAll(async () => {
  emu = await startEmulator({ referrals: data });
});
afterAll(() => emu.close());

const cases: WhereTest[][] = [
  [{ field: 'status', op: 'eq', value: 'Active' }],
  [{ field: 'status', op: 'ne', value: 'Closed' }],
  [{ field: 'substatus', op: 'in', value: ['Won', 'Lost'] }],
  [
    { field: 'status', op: 'eq', value: 'Closed' },
    { field: 'customerProfile/address/country', op: 'in', value: ['NL', 'DE', 'SE'] },
  ],
  [
    { field: 'updatedDateTime', op: 'ge', value: '2025-12-01T00:00:00Z' },
    { field: 'updatedDateTime', op: 'lt', value: '2026-03-01T00:00:00Z' },
  ],
  [{ field: 'externalReferenceId', op: 'eq', value: data.find((r) => typeof r.externalReferenceId === 'string')?.externalReferenceId as string }],
  [{ field: 'engagementId', op: 'eq', value: data[5]?.['engagementId'] as string }],
  [{ field: 'direction', op: 'eq', value: 'Incoming' }, { field: 'type', op: 'eq', value: 'Shared' }, { field: 'qualification', op: 'ne', value: 'Direct' }],
];

describe('the planner\'s $filter push-down against the emulator', () => {
  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('%s', async (_name, tests) => {
    for (const dateLiteral of ['bare', 'quoted'] as const) {
      const { pushed, local } = toODataFilter(tests, { dateLiteral });
      expect(local).toEqual([]);
      expect(pushed).toBeDefined();
      const got: string[] = [];
      let url: string | undefined = `${referralsUrl(emu.url)}?$filter=${encodeURIComponent(pushed as string)}`;
      while (url !== undefined) {
        const r = await call('GET', url);
        expect(r.status, `${pushed}: ${r.text}`).toBe(200);
        got.push(...r.json.value.map((v: { id: string }) => v.id));
        url = r.json['@odata.nextLink'];
      }
      const expected = data.filter((r) => matchesWhere(r, tests)).map((r) => r.id);
      expect(got).toEqual(expected);
      expect(expected.length).toBeGreaterThan(0);
    }
  });
});
