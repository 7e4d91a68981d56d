import type { PlanSummary } from '../../core/plan.js';

/**
 * The referrals a plan selected but leaves as they are, as sentences every view
 * prints: "12 matched referrals are Closed and are left as they are",
 * "40 already hold these values (already applied)".
 */
export function settledSentences(summary: PlanSummary): string[] {
  const out: string[] = [];
  for (const [status, n] of Object.entries(summary.terminal ?? {}).sort((a, b) => b[1] - a[1])) {
    out.push(n === 1 ? `1 matched referral is ${status} and is left as it is` : `${n.toLocaleString('en-US')} matched referrals are ${status} and are left as they are`);
  }
  const inPlace = summary.unchanged ?? 0;
  if (inPlace > 0) out.push(`${inPlace.toLocaleString('en-US')} already ${inPlace === 1 ? 'holds' : 'hold'} these values`);
  return out;
}
