import { createClient } from '../src/api/client.js';
import { createStaticTokenProvider } from '../src/api/token.js';
import { PLAN_FORMAT, type Plan, type PlanEntry } from '../src/core/plan.js';
import { summarisePlan } from '../src/core/plan-summary.js';
import type { JsonValue, Referral } from '../src/core/referral.js';

/** What the apply benches share: the token, reading the emulator, a plan of simple edits. */
export const TOKEN = 'bench-token';

/** Every referral of the emulator, read with a generous client (no limit when it has none). */
export async function readAll(url: string): Promise<Referral[]> {
  const client = createClient({ baseUrl: url, token: createStaticTokenProvider(TOKEN) });
  const all: Referral[] = [];
  for await (const page of client.listReferrals()) all.push(...page.value);
  await client.close();
  return all;
}

export interface BenchPlanOptions {
  /** Written into each entry's notes (`TAG note N`), so two plans of one emulator differ. Default "bench". */
  tag?: string;
  /** Give each entry its referral's name as a label, as a plan from a spreadsheet has. */
  labels?: boolean;
}

/** One notes + dealValue edit per editable referral, as the planner would write it. */
export function benchPlanBody(referrals: readonly Referral[], count: number, baseUrl: string, options: BenchPlanOptions = {}): Omit<Plan, 'checksum'> {
  const tag = options.tag ?? 'bench';
  const entries: PlanEntry[] = referrals
    .filter((r) => r.status === 'New' || r.status === 'Active')
    .slice(0, count)
    .map((r, i) => {
      const before = { '/details/notes': r.details?.notes ?? null, '/details/dealValue': r.details?.dealValue ?? null } as Record<string, JsonValue>;
      const after = { '/details/notes': `${tag} note ${i}`, '/details/dealValue': 5000 + i } as Record<string, JsonValue>;
      const ops = Object.entries(after).map(([path, value]) => ({ op: 'replace' as const, path, value }));
      const inverse = Object.entries(before).map(([path, value]) => ({ op: 'replace' as const, path, value }));
      const label = options.labels === true ? { label: r.name ?? r.id } : {};
      return { referralId: r.id, ...label, sources: [{ file: 'bench.csv', row: i + 2 }], eTag: r.eTag!, before, after, ops, inverse, irreversible: false, warnings: [] };
    });
  return {
    format: PLAN_FORMAT,
    kind: 'plan',
    createdAt: new Date().toISOString(),
    baseUrl,
    inputs: [{ file: 'bench.csv', sha256: '0'.repeat(64) }],
    policy: { reasonRequiredFor: ['Lost', 'Declined'] },
    readRequests: 0,
    entries,
    summary: summarisePlan(entries),
  };
}

