import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startEmulator, type EmulatorHandle } from '../../src/emulator/index.js';
import { createPlan } from '../../src/engine/plan.js';
import { tempTree } from '../helpers/temp-dir.js';
import { csv, emulatorClient } from './plan-helpers.js';

let emu: EmulatorHandle;
beforeAll(async () => {
  emu = await startEmulator({ generate: 20_000, randomSeed: 42 });
}, 60_000);
afterAll(async () => emu?.close());

async function planCsv(ids: string[], note: string) {
  const dir = tempTree({ 'changes.csv': csv(['id', 'notes'], ids.map((id) => [id, note])) });
  emu.reset();
  const client = emulatorClient(emu.url);
  try {
    return await createPlan({ files: [join(dir, 'changes.csv')], client, baseUrl: emu.url, output: join(dir, 'p.json') });
  } finally {
    await client.close();
  }
}

describe('read strategy against 20,000 referrals', () => {
  const editable = () => emu.store.all().filter((r) => r.status !== 'Closed');

  it('2,000 id-selected changes take at most 250 read requests (batched id filters)', async () => {
    const ids = editable().slice(0, 2000).map((r) => r.id);
    expect(ids).toHaveLength(2000);
    const result = await planCsv(ids, 'Reviewed in the quarterly pipeline call');
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(result.plan?.entries).toHaveLength(2000);
    const stats = emu.stats();
    expect(stats.requests.total).toBeLessThanOrEqual(250);
    expect(result.plan?.readRequests).toBe(stats.requests.total);
    expect(stats.requests.byMethod['GET']).toBe(stats.requests.total);
    expect(result.readMode).toBe('targeted');
  });

  it('changes touching most referrals list every page instead (probe page included, no extra count request)', async () => {
    const ids = editable().map((r) => r.id);
    const result = await planCsv(ids, 'Bulk note');
    expect(result.plan?.entries).toHaveLength(ids.length);
    expect(result.readMode).toBe('list-all');
    expect(emu.stats().requests.total).toBe(Math.ceil(20_000 / 100));
  });
});
