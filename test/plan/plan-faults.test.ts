import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startEmulator, type EmulatorHandle } from '../../src/emulator/index.js';
import { createPlan } from '../../src/engine/plan.js';
import type { Plan } from '../../src/core/plan.js';
import { tempTree } from '../helpers/temp-dir.js';
import { emulatorClient } from './plan-helpers.js';

// The same data twice: one well-behaved emulator, one throttling hard and failing 20% of requests.
let calm: EmulatorHandle;
let stormy: EmulatorHandle;
beforeAll(async () => {
  calm = await startEmulator({ generate: 1500, randomSeed: 3 });
  stormy = await startEmulator({ generate: 1500, randomSeed: 3, rate: 40, burst: 4, failRate: 0.2 });
});
afterAll(async () => {
  await calm?.close();
  await stormy?.close();
});

// Ids (two batched lists) plus a `where` on a field the API cannot filter (every page is listed).
function changeSet(): string {
  const ids = calm.store.all().filter((r) => r.status === 'Active').slice(0, 40).map((r) => r.id);
  return [
    'changes:',
    ...ids.map((id) => `  - id: "${id}"\n    set: { notes: "Quarterly review done" }`),
    // A dealValue comparison names its currency (refplan refuses one across currencies).
    '  - where: { status: New, dealValue: { ge: 50000 }, currency: USD }',
    '    set: { qualification: SalesQualified }',
    '',
  ].join('\n');
}

async function planAgainst(emu: EmulatorHandle, file: string): Promise<{ plan: Plan | undefined; readRequests: number; retries: number }> {
  const client = emulatorClient(emu.url, { sleep: (ms: number) => new Promise((r) => setTimeout(r, Math.min(ms, 200))) });
  try {
    const result = await createPlan({ files: [file], client, baseUrl: 'http://emulator/v1.0', now: () => new Date('2026-07-01T00:00:00Z') });
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    return { plan: result.plan, readRequests: result.readRequests, retries: client.stats().retries };
  } finally {
    await client.close();
  }
}

describe('planning through 429 storms and 503s', () => {
  it('gives the same plan as without faults', async () => {
    const dir = tempTree({ 'c.yaml': changeSet() });
    const file = join(dir, 'c.yaml');
    const reference = await planAgainst(calm, file);
    const stormed = await planAgainst(stormy, file);
    expect(reference.plan?.entries.length).toBeGreaterThan(40);
    const strip = (p: Plan | undefined) => p && { ...p, readRequests: 0, checksum: '' };
    expect(strip(stormed.plan)).toEqual(strip(reference.plan));
    // The faults really happened: the server answered 429 and 5xx, and the client retried.
    const byStatus = stormy.stats().requests.byStatus;
    expect((byStatus['429'] ?? 0) + (byStatus['500'] ?? 0) + (byStatus['503'] ?? 0)).toBeGreaterThan(0);
    expect(stormed.retries).toBeGreaterThan(0);
    expect(stormy.stats().requests.byMethod['PATCH'] ?? 0).toBe(0);
  });
});
