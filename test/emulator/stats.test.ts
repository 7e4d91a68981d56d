import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;
let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ generate: 10, randomSeed: 2 });
});
afterAll(async () => {
  await emu.close();
});

describe('GET /_emulator/stats', () => {
  it('gives the totals without commits per referral with ?byId=false (cheap to poll during a benchmark)', async () => {
    const first = emu.store.all().find((r) => r.status === 'New' || r.status === 'Active');
    const res = await fetch(`${emu.url}/engagements/referrals/${first!.id}`, {
      method: 'PATCH',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json', 'if-match': first!.eTag! },
      body: JSON.stringify([{ op: 'replace', path: '/details/notes', value: 'counted' }]),
    });
    expect(res.status).toBeLessThan(300);
    const origin = new URL(emu.url).origin;
    const full = (await (await fetch(`${origin}/_emulator/stats`)).json()) as { commits: { total: number; byId: Record<string, number> } };
    const light = (await (await fetch(`${origin}/_emulator/stats?byId=false`)).json()) as { requests: { total: number }; commits: Record<string, unknown> };
    expect(full.commits.byId[first!.id]).toBe(1);
    expect(light.commits).toEqual({ total: full.commits.total });
    expect(light.requests.total).toBeGreaterThanOrEqual(1);
  });
});
