import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateReferrals, startEmulator } from '../../src/emulator/index.js';
import { getValidator } from '../../src/schema/ajv.js';
import { tempTree } from '../helpers/temp-dir.js';
import { call, makeReferral, referralsUrl } from './helpers.js';

describe('generated referrals', () => {
  const data = generateReferrals(4000, 11);

  it('follow the documented mix of states', () => {
    const share = (pred: (r: (typeof data)[number]) => boolean) => data.filter(pred).length / data.length;
    expect(share((r) => r.status === 'New')).toBeCloseTo(0.2, 1);
    expect(share((r) => r.status === 'Active' && r.substatus === 'Accepted')).toBeCloseTo(0.45, 1);
    expect(share((r) => r.status === 'Closed')).toBeCloseTo(0.35, 1);
    const newSubs = new Set(data.filter((r) => r.status === 'New').map((r) => r.substatus));
    expect([...newSubs].sort()).toEqual(['Pending', 'Received']);
    const closedSubs = new Set(data.filter((r) => r.status === 'Closed').map((r) => r.substatus));
    expect([...closedSubs].sort()).toEqual(['Declined', 'Expired', 'Lost', 'Won']);
  });

  it('vary currency, customer size and country, with teams of 1-3 and some CRM ids', () => {
    const currencies = new Set(data.map((r) => r.details?.currency));
    const sizes = new Set(data.map((r) => (r['customerProfile'] as { size: string }).size));
    const countries = new Set(data.map((r) => (r['customerProfile'] as { address: { country: string } }).address.country));
    expect(currencies.size).toBeGreaterThanOrEqual(5);
    expect(sizes.size).toBeGreaterThanOrEqual(5);
    expect(countries.size).toBeGreaterThanOrEqual(8);
    const teamSizes = new Set(data.map((r) => r.team?.length));
    expect([...teamSizes].sort()).toEqual([1, 2, 3]);
    const withCrm = data.filter((r) => typeof r.externalReferenceId === 'string').length / data.length;
    expect(withCrm).toBeGreaterThan(0.2);
    expect(withCrm).toBeLessThan(0.8);
    expect(new Set(data.map((r) => r.id)).size).toBe(data.length);
    expect(data[0]?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(data[0]?.eTag).toMatch(/^"[0-9a-f-]{36}"$/);
  });

  it('are valid against specs/referral.schema.json', () => {
    const validate = getValidator('referral.schema.json');
    for (const r of data.slice(0, 500)) expect(validate(r), JSON.stringify(validate.errors)).toBe(true);
  });

  it('are deterministic for a seed and differ between seeds', () => {
    expect(generateReferrals(50, 11)).toEqual(data.slice(0, 50));
    expect(generateReferrals(50, 12)[0]?.id).not.toBe(data[0]?.id);
  });
});

describe('seed and data files', () => {
  it('--seed-file loads a JSON array and fills eTags and timestamps', async () => {
    const dir = tempTree({
      'seed.json': JSON.stringify([makeReferral({ id: 'seed-1', eTag: undefined as unknown as string }), makeReferral({ id: 'seed-2' })]),
    });
    const emu = await startEmulator({ seedFile: join(dir, 'seed.json') });
    try {
      const r = await call('GET', `${referralsUrl(emu.url)}/seed-1`);
      expect(r.status).toBe(200);
      expect(r.json.eTag).toMatch(/^"[0-9a-f-]{36}"$/);
      expect(emu.store.size).toBe(2);
    } finally {
      await emu.close();
    }
  });

  it('refuses a seed file that is not an array of referrals, naming the file', async () => {
    const dir = tempTree({ 'bad.json': '{"id": 1}', 'broken.json': '[{"id":"a"},' });
    await expect(startEmulator({ seedFile: join(dir, 'bad.json') })).rejects.toThrow(/bad\.json: must hold a JSON array/);
    await expect(startEmulator({ seedFile: join(dir, 'broken.json') })).rejects.toThrow(/broken\.json: is not valid JSON/);
  });

  it('--data starts from the generator when missing, saves atomically (0600) on close, and loads it next time', async () => {
    const dir = tempTree();
    const file = join(dir, 'data.json');
    const first = await startEmulator({ dataFile: file, generate: 5 });
    const id = first.store.all()[0]?.id as string;
    const patched = await call('PATCH', `${referralsUrl(first.url)}/${id}`, {
      body: [{ op: 'replace', path: '/name', value: 'kept across restarts' }],
    });
    expect(patched.status).toBe(204);
    await first.close();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { id: string; name: string }[];
    expect(saved).toHaveLength(5);
    expect(saved.find((r) => r.id === id)?.name).toBe('kept across restarts');

    const second = await startEmulator({ dataFile: file, generate: 50 });
    try {
      expect(second.store.size).toBe(5); // the existing file wins over --generate
      expect((await call('GET', `${referralsUrl(second.url)}/${id}`)).json.name).toBe('kept across restarts');
    } finally {
      await second.close();
    }
  });
});

describe('stats and reset', () => {
  it('counts requests by method and status and commits by id; reset restores data and zeroes stats', async () => {
    const emu = await startEmulator({ referrals: [makeReferral({ id: 'r1' }), makeReferral({ id: 'r2' })] });
    const root = emu.url.replace('/v1.0', '');
    try {
      const u = referralsUrl(emu.url);
      await call('GET', `${u}/r1`);
      await call('GET', `${u}/missing`);
      await call('PATCH', `${u}/r1`, { body: [{ op: 'replace', path: '/name', value: 'a' }] });
      await call('PATCH', `${u}/r1`, { body: [{ op: 'replace', path: '/name', value: 'b' }] });
      await call('PATCH', `${u}/r2`, { body: [{ op: 'remove', path: '/name' }] });
      const stats = await call('GET', `${root}/_emulator/stats`, { auth: false });
      expect(stats.status).toBe(200);
      expect(stats.json).toEqual({
        requests: { total: 5, byMethod: { GET: 2, PATCH: 3 }, byStatus: { '200': 1, '404': 1, '204': 2, '400': 1 } },
        commits: { total: 2, byId: { r1: 2 } },
      });
      const reset = await call('POST', `${root}/_emulator/reset`, { auth: false });
      expect(reset.status).toBe(200);
      expect((await call('GET', `${u}/r1`)).json.name).toBe('Test referral r1');
      const after = (await call('GET', `${root}/_emulator/stats`, { auth: false })).json;
      expect(after).toEqual({ requests: { total: 1, byMethod: { GET: 1 }, byStatus: { '200': 1 } }, commits: { total: 0, byId: {} } });
    } finally {
      await emu.close();
    }
  });
});
