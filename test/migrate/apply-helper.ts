import { createClient } from '../../src/api/client.js';
import type { Plan } from '../../src/core/plan.js';

/**
 * Applies a migration plan's entries with the API client: PATCH with the
 * entry's ops and its pinned eTag in If-Match, as `refplan apply` does.
 */
export async function applyMigrationPlan(plan: Plan, baseUrl: string, token: string): Promise<void> {
  const client = createClient({ baseUrl, token: { getToken: () => Promise.resolve(token) } });
  try {
    for (const entry of plan.entries) {
      await client.patchReferral(entry.referralId, entry.ops, { ifMatch: entry.eTag, returnRepresentation: true });
    }
  } finally {
    await client.close();
  }
}
