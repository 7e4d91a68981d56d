import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { Referral } from '../../src/core/referral.js';
import { startEmulator } from '../../src/emulator/index.js';
import { startProxy, type ProxyRequestEvent } from '../../src/engine/proxy.js';
import { activeReferral } from './legacy-fixtures.js';

/**
 * Legacy read-modify-write clients behind the proxy, all at once against one referral. Each reads
 * the referral, appends its own marker to the notes, and PUTs the whole document back. The proxy
 * must never let one client's stale copy overwrite another's edit.
 */
const ID = '0a1b2c3d-0000-4000-8000-0000000000aa';
const CLIENTS = 20;
const auth = { authorization: 'Bearer proxy-lost-update-token' };

type Stack = { emulator: Awaited<ReturnType<typeof startEmulator>>; proxy: Awaited<ReturnType<typeof startProxy>>; events: ProxyRequestEvent[] };
let stack: Stack | undefined;

async function start(options: { allowPutWithoutETag?: boolean } = {}): Promise<Stack> {
  const emulator = await startEmulator({ referrals: [{ ...activeReferral(ID), details: { ...activeReferral(ID).details, notes: 'start' } }] });
  const events: ProxyRequestEvent[] = [];
  const proxy = await startProxy({ upstream: emulator.url, onRequest: (e) => events.push(e), ...options });
  stack = { emulator, proxy, events };
  return stack;
}
afterEach(async () => {
  await stack?.proxy.close();
  await stack?.emulator.close();
  stack = undefined;
});

async function call(method: 'GET' | 'PUT', url: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await request(url, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, json: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) };
}

/** All clients read first, then all write: the worst interleaving, every copy stale but one. */
async function readThenWriteAll(url: string, send: 'if-match' | 'body-etag' | 'no-version') {
  const reads = await Promise.all(Array.from({ length: CLIENTS }, () => call('GET', url)));
  return Promise.all(
    reads.map(async (read, i) => {
      const doc = structuredClone(read.json) as unknown as Referral;
      doc.details = { ...doc.details, notes: `${String(doc.details?.notes)} c${i}` };
      const eTag = doc.eTag;
      if (send !== 'body-etag') delete (doc as Partial<Referral>).eTag;
      return call('PUT', url, doc, send === 'if-match' ? { 'if-match': eTag! } : {});
    }),
  );
}

const notesOf = (s: Stack) => String(s.emulator.store.get(ID)?.details?.notes);

describe('the proxy never loses an update', () => {
  it(`${CLIENTS} concurrent read-modify-write clients that send a version: one wins per round, the others get 412, retry, and no edit is lost`, async () => {
    const s = await start();
    const url = `${s.proxy.url}/engagements/referrals/${ID}`;
    const first = await readThenWriteAll(url, 'if-match');
    expect(first.filter((r) => r.status === 200)).toHaveLength(1);
    expect(first.filter((r) => r.status === 412)).toHaveLength(CLIENTS - 1);
    // The clients that lost retry as a correct client does (read again, reapply), half of them
    // sending the version in the body instead of If-Match; until every edit is in.
    const pending = new Set(first.map((r, i) => (r.status === 200 ? -1 : i)).filter((i) => i >= 0));
    for (let round = 0; pending.size > 0 && round < CLIENTS * 2; round++) {
      await Promise.all(
        [...pending].map(async (i) => {
          const read = await call('GET', url);
          const doc = structuredClone(read.json) as unknown as Referral;
          doc.details = { ...doc.details, notes: `${String(doc.details?.notes)} c${i}` };
          const res = i % 2 === 0 ? await call('PUT', url, doc) : await call('PUT', url, { ...doc, eTag: undefined }, { 'if-match': doc.eTag! });
          if (res.status === 200) pending.delete(i);
          else expect(res.status).toBe(412);
        }),
      );
    }
    expect(pending.size).toBe(0);
    const notes = notesOf(s);
    for (let i = 0; i < CLIENTS; i++) expect(notes.split(' ')).toContain(`c${i}`);
    expect(notes.split(' ').filter((w) => /^c\d+$/.test(w))).toHaveLength(CLIENTS);
  });

  it('a PUT with neither If-Match nor a body eTag is refused with 400 and how to fix the client, before any upstream request', async () => {
    const s = await start();
    const url = `${s.proxy.url}/engagements/referrals/${ID}`;
    const before = s.emulator.stats().requests.total;
    const results = await readThenWriteAll(url, 'no-version');
    for (const r of results) {
      expect(r.status).toBe(400);
      const error = r.json?.['error'] as { code: string; message: string; target: string };
      expect(error.code).toBe('invalidRequest');
      expect(error.target).toBe('If-Match');
      expect(error.message).toMatch(/If-Match header is required for PUT: send the eTag you read/);
      expect(error.message).toMatch(/--allow-put-without-etag/);
    }
    // Only the clients' own reads reached the API; no write.
    expect(s.emulator.stats().requests.total - before).toBe(CLIENTS);
    expect(s.emulator.stats().requests.byMethod['PATCH'] ?? 0).toBe(0);
    expect(notesOf(s)).toBe('start');
    expect(s.events.filter((e) => e.method === 'PUT').every((e) => e.status === 400 && e.note !== undefined)).toBe(true);
    // An empty If-Match is no version either.
    expect((await call('PUT', url, { id: ID, details: { notes: 'x' } }, { 'if-match': ' ' })).status).toBe(400);
  });

  it('--allow-put-without-etag keeps the old behaviour: accepted, pinned to a fresh read (and so a stale copy wins)', async () => {
    const s = await start({ allowPutWithoutETag: true });
    const url = `${s.proxy.url}/engagements/referrals/${ID}`;
    // Two clients read the same version; one after the other, each PUTs its copy without a version.
    const [a, b] = (await Promise.all([call('GET', url), call('GET', url)])).map((r) => structuredClone(r.json) as unknown as Referral) as [Referral, Referral];
    for (const [doc, mark] of [[a, 'A'], [b, 'B']] as const) {
      delete (doc as Partial<Referral>).eTag;
      doc.details = { ...doc.details, notes: `start ${mark}` };
      expect((await call('PUT', url, doc)).status).toBe(200);
    }
    // Both were told 200; B's stale copy overwrote A's edit. That is what the flag accepts.
    expect(notesOf(s)).toBe('start B');
  });
});
