import { PLAN_FORMAT, type Plan, type PlanEntry } from '../../src/core/plan.js';
import { summarisePlan } from '../../src/core/plan-summary.js';
import type { JsonValue, PatchOp, Referral } from '../../src/core/referral.js';
import { writePlan } from '../../src/files/plan-file.js';

/**
 * Test plans built straight from emulator referrals (what the plan engine would
 * produce for simple change sets): notes + dealValue edits on most, a team
 * addition on every 5th, and, with `closeEvery`, an irreversible close as Won.
 */
export interface BuildOptions {
  /** How many entries at most. */
  count: number;
  /** Make every Nth editable referral an irreversible close (Active → Closed/Won). */
  closeEvery?: number;
  tag?: string;
}

export function editable(referrals: readonly Referral[]): Referral[] {
  return referrals.filter((r) => r.status === 'New' || r.status === 'Active');
}

export function buildEntries(referrals: readonly Referral[], options: BuildOptions): PlanEntry[] {
  const tag = options.tag ?? 'plan';
  return editable(referrals)
    .slice(0, options.count)
    .map((r, i) => {
      const sources = [{ file: 'changes.csv', row: i + 2 }];
      const base = { referralId: r.id, label: r.name ?? r.id, sources, eTag: r.eTag!, warnings: [] as string[] };
      if (options.closeEvery !== undefined && i % options.closeEvery === options.closeEvery - 1 && r.status === 'Active') {
        const before = { '/status': r.status, '/substatus': r.substatus ?? null, '/statusReason': r.statusReason ?? null } as Record<string, JsonValue>;
        const after = { '/status': 'Closed', '/substatus': 'Won', '/statusReason': `won ${tag}` } as Record<string, JsonValue>;
        return { ...base, before, after, ops: replaceOps(after), inverse: [], irreversible: true };
      }
      if (i % 5 === 4) {
        const team = (r.team ?? []) as unknown as JsonValue[];
        const member = { email: `new.member.${i}@partner.example`, firstName: 'New', lastName: `Member${i}` };
        return {
          ...base,
          before: { '/team': team },
          after: { '/team': [...team, member] },
          ops: [{ op: 'add', path: '/team/-', value: member }],
          inverse: [{ op: 'replace', path: '/team', value: team }],
          irreversible: false,
        } satisfies PlanEntry;
      }
      const before = { '/details/notes': r.details?.notes ?? null, '/details/dealValue': r.details?.dealValue ?? null } as Record<string, JsonValue>;
      const after = { '/details/notes': `${tag} note ${i}`, '/details/dealValue': 1000 + i } as Record<string, JsonValue>;
      return { ...base, before, after, ops: replaceOps(after), inverse: replaceOps(before), irreversible: false };
    });
}

function replaceOps(values: Record<string, JsonValue>): PatchOp[] {
  return Object.entries(values).map(([path, value]) => ({ op: 'replace', path, value }));
}

export function planBody(entries: PlanEntry[], baseUrl: string): Omit<Plan, 'checksum'> {
  return {
    format: PLAN_FORMAT,
    kind: 'plan',
    createdAt: '2026-11-21T00:00:00.000Z',
    baseUrl,
    inputs: [{ file: 'changes.csv', sha256: 'f'.repeat(64) }],
    policy: { reasonRequiredFor: ['Lost', 'Declined'] },
    readRequests: 0,
    entries,
    summary: summarisePlan(entries),
  };
}

export async function writeTestPlan(path: string, referrals: readonly Referral[], baseUrl: string, options: BuildOptions): Promise<Plan> {
  return writePlan(path, planBody(buildEntries(referrals, options), baseUrl));
}

/** The value at a JSON pointer of a referral (tests only; absent → null). */
export function at(doc: Referral, pointer: string): JsonValue {
  let cur: unknown = doc;
  for (const seg of pointer.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return null;
    cur = (cur as Record<string, unknown>)[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return (cur ?? null) as JsonValue;
}
