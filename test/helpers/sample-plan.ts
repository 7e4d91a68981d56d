import { computePlanChecksum } from '../../src/files/plan-file.js';
import { PLAN_FORMAT, type NotRestorable, type Plan, type PlanEntry, type PlanKind, type PlanSummary } from '../../src/core/plan.js';
import { loadWritablePaths } from '../../src/schema/specs.js';

/**
 * Hand-built plans for tests of anything that reads plans (views, show, apply).
 * Entries cycle through four shapes, so any count gives every kind of row:
 *   0: deal value change (USD)            1: close Active/Accepted → Closed/Lost (irreversible)
 *   2: team member added (email + phone)  3: notes (with an e-mail and a phone in the text) + closing date
 */

export function sampleEntry(i: number, currencies: readonly string[] = ['USD']): PlanEntry {
  const id = `ref-${String(i).padStart(5, '0')}`;
  const base = { referralId: id, label: `Deal ${i}`, sources: [{ file: 'changes.csv', row: i + 2 }], eTag: `W/"${i + 1}"`, warnings: [] as string[] };
  switch (i % 4) {
    case 0:
      return {
        ...base,
        before: { '/details/dealValue': 1000 * (i + 1) },
        after: { '/details/dealValue': 1000 * (i + 1) + 500 },
        ops: [{ op: 'replace', path: '/details/dealValue', value: 1000 * (i + 1) + 500 }],
        inverse: [{ op: 'replace', path: '/details/dealValue', value: 1000 * (i + 1) }],
        irreversible: false,
        dealCurrency: { before: currencies[Math.floor(i / 4) % currencies.length]!, after: currencies[Math.floor(i / 4) % currencies.length]! },
      };
    case 1:
      return {
        ...base,
        before: { '/status': 'Active', '/substatus': 'Accepted', '/statusReason': null },
        after: { '/status': 'Closed', '/substatus': 'Lost', '/statusReason': 'Customer chose a competitor' },
        ops: [
          { op: 'replace', path: '/status', value: 'Closed' },
          { op: 'replace', path: '/substatus', value: 'Lost' },
          { op: 'add', path: '/statusReason', value: 'Customer chose a competitor' },
        ],
        inverse: [],
        irreversible: true,
      };
    case 2: {
      const existing = { email: 'owner@fabrikam.com', firstName: 'Olga', lastName: 'Owner' };
      const added = { email: `jane.doe${i}@contoso.com`, firstName: 'Jane', lastName: 'Doe', phoneNumber: `+1 425-555-${String(i).padStart(4, '0')}` };
      return {
        ...base,
        before: { '/team': [existing] },
        after: { '/team': [existing, added] },
        ops: [{ op: 'add', path: '/team/-', value: added }],
        inverse: [{ op: 'replace', path: '/team', value: [existing] }],
        irreversible: false,
        warnings: [`asked by mike@contoso.com`],
      };
    }
    default:
      return {
        ...base,
        before: { '/details/notes': null, '/details/closingDateTime': '2026-01-31T00:00:00Z' },
        after: { '/details/notes': 'Call back bob@northwind.com or +1 (206) 555-0199', '/details/closingDateTime': '2026-03-31T00:00:00Z' },
        ops: [
          { op: 'add', path: '/details/notes', value: 'Call back bob@northwind.com or +1 (206) 555-0199' },
          { op: 'replace', path: '/details/closingDateTime', value: '2026-03-31T00:00:00Z' },
        ],
        inverse: [
          { op: 'replace', path: '/details/notes', value: null },
          { op: 'replace', path: '/details/closingDateTime', value: '2026-01-31T00:00:00Z' },
        ],
        irreversible: false,
      };
  }
}

/** The summary as a planner would compute it (fixtures only: views must not recompute it). */
export function summarize(entries: readonly PlanEntry[]): PlanSummary {
  const fieldByPath = new Map(loadWritablePaths().writable.map((w) => [w.path, w.field]));
  const summary: PlanSummary = { entries: entries.length, ops: 0, irreversible: 0, byField: {}, statusMoves: {}, dealValue: {} };
  for (const e of entries) {
    summary.ops += e.ops.length;
    if (e.irreversible) summary.irreversible++;
    const fields = new Set(e.ops.map((o) => fieldByPath.get(o.path) ?? o.path));
    for (const f of fields) summary.byField[f] = (summary.byField[f] ?? 0) + 1;
    if ('/status' in e.after || '/substatus' in e.after) {
      const key = `${String(e.before['/status'])}/${String(e.before['/substatus'])} -> ${String(e.after['/status'])}/${String(e.after['/substatus'])}`;
      summary.statusMoves[key] = (summary.statusMoves[key] ?? 0) + 1;
    }
    const dv = e.after['/details/dealValue'];
    if (typeof dv === 'number') {
      const t = (summary.dealValue[e.dealCurrency?.after ?? 'USD'] ??= { before: 0, after: 0 });
      t.before += Number(e.before['/details/dealValue'] ?? 0);
      t.after += dv;
    }
  }
  return summary;
}

export interface SamplePlanOptions {
  entries?: number;
  kind?: PlanKind;
  notRestorable?: NotRestorable[];
  /** Currencies the deal-value entries cycle through (default USD only). */
  currencies?: readonly string[];
  /** Recorded as the plan's message (`plan --message`). */
  message?: string;
}

export function samplePlanBody(options: SamplePlanOptions = {}): Omit<Plan, 'checksum'> {
  const entries = Array.from({ length: options.entries ?? 8 }, (_, i) => sampleEntry(i, options.currencies));
  return {
    format: PLAN_FORMAT,
    kind: options.kind ?? 'plan',
    createdAt: '2026-05-01T10:00:00.000Z',
    baseUrl: 'http://127.0.0.1:4010/v1.0',
    inputs: [{ file: 'changes.csv', sha256: 'a'.repeat(64) }],
    policy: { reasonRequiredFor: ['Lost', 'Declined'] },
    readRequests: 3,
    ...(options.message === undefined ? {} : { message: options.message }),
    ...(options.kind === 'rollback' ? { parentPlanChecksum: 'b'.repeat(64) } : {}),
    entries,
    ...(options.notRestorable === undefined ? {} : { notRestorable: options.notRestorable }),
    summary: summarize(entries),
  };
}

export function samplePlan(options: SamplePlanOptions = {}): Plan {
  const body = samplePlanBody(options);
  return { ...body, checksum: computePlanChecksum(body) };
}
