// Contract: the client against the real emulator (startEmulator) over loopback HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/api/client.js';
import { AuthError, NotFoundError, PreconditionFailedError } from '../../src/api/errors.js';
import { createStaticTokenProvider } from '../../src/api/token.js';
import type { Referral } from '../../src/core/referral.js';
import { startEmulator, type EmulatorHandle } from '../../src/index.js';

const TOKEN = 'tok-contract-7d1e0b';
let emulator: EmulatorHandle;
beforeAll(async () => {
  emulator = await startEmulator({ generate: 250, randomSeed: 7, token: TOKEN });
});
afterAll(async () => {
  await emulator.close();
});

const newClient = (token = TOKEN) => createClient({ baseUrl: emulator.url, token: createStaticTokenProvider(token) });

describe('client ↔ emulator contract', () => {
  it('lists every referral across pages by following nextLink, and counts with one request', async () => {
    const client = newClient();
    try {
      const ids = new Set<string>();
      let pages = 0;
      for await (const page of client.listReferrals({ orderby: 'createdDateTime asc' })) {
        pages++;
        expect(page.count).toBe(250);
        for (const r of page.value) ids.add(r.id);
      }
      expect(ids.size).toBe(250);
      expect(pages).toBe(3);
      const before = client.stats().requests;
      expect(await client.countReferrals("status eq 'Active'")).toBeGreaterThan(0);
      expect(client.stats().requests - before).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('gets, patches with If-Match, and answers a stale eTag with 412 and an unknown id with 404', async () => {
    const client = newClient();
    try {
      let active: Referral | undefined;
      for await (const page of client.listReferrals({ filter: "status eq 'Active'", top: 5 })) {
        active = page.value[0];
        break;
      }
      expect(active).toBeDefined();
      const current = await client.getReferral(active!.id);
      expect(current.eTag).toBeTruthy();

      const updated = await client.patchReferral(current.id, [{ op: 'replace', path: '/details/notes', value: 'contract test' }], {
        ifMatch: current.eTag!,
        returnRepresentation: true,
      });
      expect(updated?.details?.notes).toBe('contract test');
      expect(updated?.eTag).not.toBe(current.eTag);

      const stale = await client.patchReferral(current.id, [{ op: 'replace', path: '/details/notes', value: 'again' }], { ifMatch: current.eTag! }).catch((e: unknown) => e);
      expect(stale).toBeInstanceOf(PreconditionFailedError);
      expect((stale as PreconditionFailedError).apiCode).toBe('preconditionFailed');

      expect(await client.patchReferral(current.id, [{ op: 'replace', path: '/details/notes', value: 'no body' }], { ifMatch: updated!.eTag! })).toBeUndefined();
      expect((await client.getReferral(current.id)).details?.notes).toBe('no body');

      const missing = await client.getReferral('00000000-0000-0000-0000-000000000000').catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(NotFoundError);
      expect((missing as NotFoundError).apiCode).toBe('itemNotFound');
    } finally {
      await client.close();
    }
  });

  it('a wrong token is an AuthError that does not quote it', async () => {
    const client = newClient('tok-wrong-4c2a99');
    try {
      const e = (await client.countReferrals().catch((x: unknown) => x)) as AuthError;
      expect(e).toBeInstanceOf(AuthError);
      expect(e.status).toBe(401);
      expect(`${e.message} ${e.bodyExcerpt}`).not.toContain('tok-wrong');
    } finally {
      await client.close();
    }
  });

  it('survives the emulator\'s 429s: every read succeeds and the 429s the client saw are the ones the emulator sent', async () => {
    const limited = await startEmulator({ generate: 20, randomSeed: 3, rate: 10, burst: 5 });
    const client = createClient({ baseUrl: limited.url, token: createStaticTokenProvider(TOKEN) });
    try {
      const ids: string[] = [];
      for await (const page of client.listReferrals()) ids.push(...page.value.map((r) => r.id));
      const got = await Promise.all(ids.slice(0, 12).map((id) => client.getReferral(id)));
      expect(got.map((r) => r.id)).toEqual(ids.slice(0, 12));
      const s = client.stats();
      expect(s.throttled).toBeGreaterThanOrEqual(1);
      expect(s.pauses).toBeGreaterThanOrEqual(1);
      expect(limited.stats().requests.byStatus['429']).toBe(s.throttled);
      expect(limited.stats().requests.total).toBe(s.requests);
    } finally {
      await client.close();
      await limited.close();
    }
  });
});
