import fc from 'fast-check';
import jsonpatch from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/core/changeset.js';
import { getAt, valueAt } from '../../src/core/json-pointer.js';
import { applyOps, jsonEqual } from '../../src/core/patch.js';
import { planChanges } from '../../src/core/planner.js';
import { putToPatch } from '../../src/core/put-to-patch.js';
import type { JsonValue, Referral } from '../../src/core/referral.js';
import { leafRules } from '../../src/core/writable-paths.js';
import { now, table, writablePaths } from './plan-fixtures.js';

/** Property tests: putToPatch against fast-json-patch, inverse round trips, and a planner that never throws. */

const RUNS = { numRuns: 300 };
const text = fc.string({ maxLength: 6 });
const amount = fc.oneof(fc.integer({ min: -1e6, max: 1e6 }), fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }));
const member = fc.record({ email: fc.emailAddress(), firstName: text }, { requiredKeys: ['email'] });
const STATES = [
  ['New', 'Pending'],
  ['New', 'Received'],
  ['Active', 'Accepted'],
  ['Closed', 'Won'],
  ['Closed', 'Lost'],
] as const;

const details = fc.record(
  { dealValue: amount, currency: fc.constantFrom('USD', 'EUR', 'SEK'), notes: fc.option(text), closingDateTime: fc.option(fc.constant('2026-06-30T00:00:00Z')) },
  { requiredKeys: [] },
);

/** A referral holding any subset of the writable fields (absent details and team included), plus server fields. */
const referralArb = fc
  .record(
    {
      name: text,
      externalReferenceId: fc.option(text),
      state: fc.constantFrom(...STATES),
      statusReason: fc.option(text),
      qualification: fc.constantFrom('SalesQualified', 'MarketingQualified', 'Unknown'),
      details,
      team: fc.array(member, { maxLength: 3 }),
    },
    { requiredKeys: ['state'] },
  )
  .map(({ state, ...rest }) => {
    const r: Referral = { id: 'r-1', eTag: '"e1"', updatedDateTime: '2026-01-01T00:00:00Z', links: { self: { uri: 'x' } }, status: state[0], substatus: state[1], ...rest } as Referral;
    return r;
  });

describe('putToPatch (property)', () => {
  it('fast-json-patch applying its ops to current gives desired on every writable field; only replace/add', () => {
    const pair = referralArb.chain((current) =>
      fc
        .tuple(referralArb, fc.array(member, { maxLength: 2 }), fc.boolean())
        .map(([desired, extra, append]) => [current, append && current.team !== undefined ? { ...desired, team: [...current.team, ...extra] } : desired] as const),
    );
    fc.assert(
      fc.property(pair, ([current, desired]) => {
        const { ops } = putToPatch(current, desired, { writablePaths });
        expect(ops.every((o) => o.op === 'replace' || o.op === 'add')).toBe(true);
        const result = jsonpatch.applyPatch(structuredClone(current), structuredClone(ops), true, false).newDocument as unknown as JsonValue;
        const cur = current as unknown as JsonValue;
        const want = desired as unknown as JsonValue;
        for (const path of leafRules(writablePaths).map((r) => r.path)) {
          const asked = getAt(want, path);
          const expected = asked.found ? asked.value : (valueAt(cur, path) ?? null);
          const actual = valueAt(result, path) ?? null;
          // jsonEqual compares numbers numerically (0 and -0 are the same deal value).
          expect(jsonEqual(actual, expected), `${path}: got ${JSON.stringify(actual)}, want ${JSON.stringify(expected)}`).toBe(true);
        }
        // An absent team and an empty one are the same (no members): putToPatch writes nothing for that difference.
        expect(valueAt(result, '/team') ?? []).toEqual(valueAt(want, '/team') ?? valueAt(cur, '/team') ?? []);
      }),
      RUNS,
    );
  });
});

const setArb = fc.record(
  {
    name: text,
    externalReferenceId: fc.option(text),
    statusReason: fc.option(text),
    qualification: fc.constantFrom('SalesQualified', 'MarketingQualified'),
    dealValue: amount,
    currency: fc.constantFrom('USD', 'EUR'),
    notes: fc.option(text),
    closingDateTime: fc.option(fc.constant('2027-01-31T00:00:00Z')),
    state: fc.constantFrom(...STATES),
  },
  { requiredKeys: [] },
);

describe('planChanges (property)', () => {
  it('plan ops then inverse ops restore the before document on every touched path', () => {
    fc.assert(
      fc.property(referralArb, setArb, fc.array(member, { maxLength: 2 }), (current, { state, ...set }, members) => {
        const fullSet = state === undefined ? set : { ...set, status: state[0], substatus: state[1], statusReason: set.statusReason ?? 'a reason' };
        const change: Change = { source: { file: 'p.yaml', line: 1, column: 1 }, selector: { kind: 'id', id: current.id }, set: fullSet, addTeamMembers: members };
        const { plan } = planChanges({ changes: [change], current: new Map([[current.id, current]]), table, writablePaths, now, baseUrl: 'x' });
        for (const entry of plan.entries) {
          const doc = current as unknown as JsonValue;
          const after = applyOps(doc, entry.ops);
          const restored = jsonpatch.applyPatch(structuredClone(after), structuredClone(entry.inverse), true, false).newDocument as JsonValue;
          for (const path of Object.keys(entry.before)) {
            const original = valueAt(doc, path) ?? (path === '/team' ? [] : null);
            expect(jsonEqual(valueAt(restored, path) ?? null, original)).toBe(true);
            expect(jsonEqual(entry.before[path], original)).toBe(true);
            expect(jsonEqual(entry.after[path], valueAt(after, path) ?? null)).toBe(true);
          }
          expect([...entry.ops, ...entry.inverse].every((o) => o.op === 'replace' || o.op === 'add')).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('never throws on arbitrary Change values', () => {
    const fields = ['name', 'status', 'substatus', 'statusReason', 'dealValue', 'notes', 'team', 'addTeamMember', '__proto__', 'constructor'];
    const anyChange = fc.record({
      source: fc.oneof(fc.anything(), fc.record({ file: text, row: fc.integer() })),
      selector: fc.oneof(fc.anything(), fc.record({ kind: fc.constantFrom('id', 'where', 'externalReferenceId'), id: fc.constantFrom('r-1', 'r-2', '') })),
      set: fc.oneof(fc.anything(), fc.dictionary(fc.oneof(fc.constantFrom(...fields), text), fc.anything())),
      addTeamMembers: fc.oneof(fc.anything(), fc.array(fc.oneof(fc.anything(), member))),
      pinnedETag: fc.anything(),
      allowNone: fc.anything(),
    });
    fc.assert(
      fc.property(referralArb, fc.array(anyChange, { maxLength: 4 }), (current, changes) => {
        const list = changes as unknown as Change[];
        const result = planChanges({ changes: list, current: new Map([[current.id, current]]), resolved: list.slice(0, 1).map((c) => ({ change: c, referralIds: ['r-1'] })), table, writablePaths, now, baseUrl: 'x' });
        expect(Array.isArray(result.diagnostics)).toBe(true);
        for (const entry of result.plan.entries) expect(entry.ops.every((o) => o.op === 'replace' || o.op === 'add')).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
